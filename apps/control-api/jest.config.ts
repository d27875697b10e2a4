export default {
  displayName: 'control-api',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.int-spec.ts'],
  coverageDirectory: '../../coverage/apps/control-api',
  testTimeout: 30000,
};
