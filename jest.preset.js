// Jest settings every project shares. Each project has two configs on top of these:
// - jest.config.ts (target test-unit): its unit specs, src/**/*.spec.ts; no services, no child
//   processes, so they run in parallel and need nothing installed;
// - jest.int.config.ts (target test-int, preset jest.int.preset.js): its *.int-spec.ts, against real
//   Redis, MariaDB, FFmpeg and node-media-server, one file at a time.
const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // SWC transpiles file by file without type information, like tsc's isolatedModules but ~20x less CPU
  // (a cold jest cache is every run in a fresh clone: ts-jest cost 15 of the unit run's 45 CPU-s there).
  // Type errors are the `typecheck` target's job (tsc --noEmit over sources and specs). The options
  // mirror tsconfig.base.json: ES2022 class fields, legacy decorators with their design-time metadata
  // (Nest's dependency injection and class-validator read it), CommonJS, class names kept (Nest's
  // tokens and log contexts are class names).
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
    // @nestjs/event-emitter ships ES modules only; Node requires them (20.19+), Jest's CommonJS runtime
    // cannot, so its files are turned into CommonJS like ours.
    '/node_modules/@nestjs/event-emitter/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/event-emitter/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  reporters: ['default', require.resolve('./tools/jest-summary-reporter.js')],
};
