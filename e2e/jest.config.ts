// End-to-end specs: the built apps as real processes, with real Redis, MariaDB and FFmpeg.
export default {
  displayName: 'stream-e2e',
  preset: '../jest.int.preset.js',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  testTimeout: 60000,
};
