export default {
  displayName: 'pulse-publisher',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.int-spec.ts'],
  coverageDirectory: '../../coverage/apps/pulse-publisher',
  testTimeout: 30000,
};
