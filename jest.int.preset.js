// The integration specs' settings: the shared ones (jest.preset.js), plus a redis-server of the
// run's own (tools/jest-redis-setup.ts), so tests never share the developer's Redis.
const shared = require('./jest.preset.js');

module.exports = {
  ...shared,
  globalSetup: require.resolve('./tools/jest-redis-global-setup.ts'),
  globalTeardown: require.resolve('./tools/jest-redis-global-teardown.ts'),
  // Exit once the run is over, as the @nx/jest executor these targets replaced always did: without
  // it, a handle a spec leaves open (seen: control-api's integration run, after every test passed and
  // the teardown ran) keeps jest alive forever. `--detectOpenHandles` names such handles.
  forceExit: true,
  // A failing Redis command names the code that sent it (see the file).
  setupFiles: [...(shared.setupFiles ?? []), require.resolve('./tools/jest-redis-error-stacks.ts')],
};
