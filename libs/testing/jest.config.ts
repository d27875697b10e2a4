// Unit specs: no services, no child processes (`nx run testing:test-unit`). Integration specs are in jest.int.config.ts.
export default {
  displayName: 'testing',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/testing',
};
