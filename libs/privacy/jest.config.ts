// Unit specs: no services, no child processes (`nx run privacy:test-unit`). Integration specs are in jest.int.config.ts.
export default {
  displayName: 'privacy',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/privacy',
};
