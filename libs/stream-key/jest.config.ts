// Unit specs: no services, no child processes (`nx run stream-key:test-unit`). Integration specs are in jest.int.config.ts.
export default {
  displayName: 'stream-key',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/stream-key',
};
