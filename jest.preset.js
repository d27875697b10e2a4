// Jest settings every project shares. Each project has two configs on top of these:
// - jest.config.ts (target test-unit): its unit specs, src/**/*.spec.ts; no services, no child
//   processes, so they run in parallel and need nothing installed;
// - jest.int.config.ts (target test-int, preset jest.int.preset.js): its *.int-spec.ts, against real
//   Redis, MariaDB, FFmpeg and node-media-server, one file at a time.
const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // Each project's tsconfig.spec.json sets isolatedModules, so ts-jest transpiles file by file without
  // type information (control-api's unit specs, cold cache: 77 s → 27 s); type errors are the
  // `typecheck` target's job (tsc --noEmit over sources and specs).
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: { warnOnly: false } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  reporters: ['default', require.resolve('./tools/jest-summary-reporter.js')],
};
