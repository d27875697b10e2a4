const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: { warnOnly: false } }],
  },
  // Each run gets its own redis-server (tools/jest-redis-setup.ts): tests never share the developer's Redis.
  globalSetup: require.resolve('./tools/jest-redis-global-setup.ts'),
  globalTeardown: require.resolve('./tools/jest-redis-global-teardown.ts'),
  moduleFileExtensions: ['ts', 'js', 'json'],
  reporters: ['default', require.resolve('./tools/jest-summary-reporter.js')],
};
