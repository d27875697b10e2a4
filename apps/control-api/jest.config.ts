// Unit specs: no services, no child processes (`nx run control-api:test-unit`). Integration specs are in jest.int.config.ts.
export default {
  displayName: 'control-api',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/apps/control-api',
};
