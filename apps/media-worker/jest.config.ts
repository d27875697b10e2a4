export default {
  displayName: 'media-worker',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.int-spec.ts'],
  coverageDirectory: '../../coverage/apps/media-worker',
  testTimeout: 30000,
};
