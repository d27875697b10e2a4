// Unit specs: no services, no child processes (`nx run contracts:test-unit`). Integration specs are in jest.int.config.ts.
export default {
  displayName: 'contracts',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/contracts',
};
