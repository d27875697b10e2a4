// Unit specs: no services, no child processes (`nx run media-worker:test-unit`). Integration specs are in jest.int.config.ts.
export default {
  displayName: 'media-worker',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/apps/media-worker',
};
