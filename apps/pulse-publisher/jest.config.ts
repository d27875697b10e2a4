// Unit specs: no services, no child processes (`nx run pulse-publisher:test-unit`). Integration specs are in jest.int.config.ts.
export default {
  displayName: 'pulse-publisher',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/apps/pulse-publisher',
};
