const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: { warnOnly: false } }],
  },
  // Each run gets its own redis-server (tools/jest-redis-setup.js): tests never share the developer's Redis.
  globalSetup: require.resolve('./tools/jest-redis-global-setup.js'),
  globalTeardown: require.resolve('./tools/jest-redis-global-teardown.js'),
  moduleFileExtensions: ['ts', 'js', 'json'],
  reporters: ['default', require.resolve('./tools/jest-summary-reporter.js')],
};
