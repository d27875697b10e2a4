/**
 * The webpack build of one Node app (control-api, media-worker, pulse-publisher), without @nx/webpack.
 *
 * Why our own: @nx/webpack pulls in its whole web toolchain (sass-embedded and its per-platform
 * optional packages, which npm 11 leaves out of the lockfile so that `npm ci` refuses it), and its
 * executor is removed in Nx 24. A Node service needs only this:
 * - TypeScript through ts-loader, type-checked (a type error fails the build) unless
 *   STREAM_BUILD_TRANSPILE_ONLY=1 (scripts/test.sh sets it: its typecheck job checks the same sources);
 * - the workspace libs (`@lib-stream/*`, paths from tsconfig.base.json) bundled in;
 * - every npm package and Node built-in left external (`require` at run time), except packages that
 *   ship ES modules only (package.json "type": "module"; @nestjs/event-emitter): those are bundled in.
 *   Node 20 requires them through its ES module loader, which reads and lexes every CommonJS module
 *   they import for its export names, re-exports followed (all of @nestjs/common and @nestjs/core):
 *   ~170 ms of CPU on each control-api start, ~8 % of it;
 * - `package.json` next to `main.js` listing the external packages the bundle requires, at the
 *   versions installed in the workspace (what the tests ran), for the Docker runtime stage.
 *
 * Usage (apps/<name>/webpack.config.js): module.exports = nodeAppConfig(__dirname, '<name>').
 * It lives at the workspace root, not in tools/, because tools imports the apps (a project cycle).
 */
const { existsSync, readFileSync } = require('node:fs');
const { builtinModules } = require('node:module');
const { isAbsolute, join } = require('node:path');
const ts = require('typescript');
const webpack = require('webpack');

const ROOT = __dirname;

/** `@lib-stream/x` → absolute path of its index.ts, from tsconfig.base.json `paths`. */
function workspaceAliases() {
  const { config, error } = ts.readConfigFile(join(ROOT, 'tsconfig.base.json'), ts.sys.readFile);
  if (error) throw new Error(`tsconfig.base.json: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
  const aliases = {};
  for (const [name, [target]] of Object.entries(config.compilerOptions.paths ?? {})) {
    aliases[`${name}$`] = join(ROOT, target);
  }
  return aliases;
}

/** 'lodash/fp' → 'lodash', '@scope/pkg/sub' → '@scope/pkg'. */
function packageName(request) {
  const parts = request.split('/');
  return request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(request) {
  return request.startsWith('node:') || builtinModules.includes(packageName(request));
}

const manifests = new Map();

function installedManifest(pkg) {
  if (!manifests.has(pkg)) {
    const file = join(ROOT, 'node_modules', pkg, 'package.json');
    manifests.set(pkg, existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);
  }
  return manifests.get(pkg);
}

/** A package that ships ES modules only: bundled in, not required at run time (see above). */
function isModulePackage(request) {
  return !isBuiltin(request) && installedManifest(packageName(request))?.type === 'module';
}

/** The packages whose files the bundle holds (bundled ES module packages), from their paths. */
function bundledPackages(compilation) {
  const names = new Set();
  for (const module of compilation.modules) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(module.resource ?? '');
    if (match) names.add(match[1]);
  }
  return names;
}

/**
 * Adds `pkg` at its installed version, then the peer dependencies it names that package.json also
 * declares: @nestjs/core loads @nestjs/platform-express and @nestjs/bull loads bull at run time
 * although the app's code never requires them (or imports them for their types only).
 */
function addWithPeers(pkg, declared, into) {
  if (pkg in into) return;
  const manifest = installedManifest(pkg);
  into[pkg] = manifest?.version ?? declared[pkg];
  for (const peer of Object.keys(manifest?.peerDependencies ?? {})) {
    if (peer in declared) addWithPeers(peer, declared, into);
  }
}

/** Writes package.json (name, main, dependencies) from the external packages the bundle requires. */
class RuntimePackageJsonPlugin {
  constructor(name) {
    this.name = name;
  }

  apply(compiler) {
    compiler.hooks.thisCompilation.tap('RuntimePackageJsonPlugin', (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: 'RuntimePackageJsonPlugin', stage: webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL },
        () => {
          const declared = { ...JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies };
          // A bundled package's own dependencies are production dependencies too, at its pinned range.
          for (const pkg of bundledPackages(compilation)) {
            for (const [dependency, range] of Object.entries(installedManifest(pkg)?.dependencies ?? {})) declared[dependency] ??= range;
          }
          const dependencies = {};
          for (const module of compilation.modules) {
            if (!(module instanceof webpack.ExternalModule)) continue;
            const request = Array.isArray(module.request) ? module.request[0] : module.request;
            if (isBuiltin(request)) continue;
            const pkg = packageName(request);
            if (!(pkg in declared)) {
              // A devDependency (or a transitive one) would be missing from the production install.
              compilation.errors.push(new webpack.WebpackError(`${this.name} requires "${pkg}", which is not in package.json "dependencies"`));
              continue;
            }
            addWithPeers(pkg, declared, dependencies);
          }
          const sorted = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)));
          const manifest = { name: this.name, version: '0.0.1', private: true, main: 'main.js', dependencies: sorted };
          compilation.emitAsset('package.json', new webpack.sources.RawSource(`${JSON.stringify(manifest, null, 2)}\n`));
        },
      );
    });
  }
}

/** The webpack configuration of the app in `appDir` (its src/main.ts → dist/apps/<name>/main.js). */
function nodeAppConfig(appDir, name) {
  return {
    context: appDir,
    target: 'node',
    // 'none': no DefinePlugin, so process.env.NODE_ENV is read at run time, not baked in.
    mode: 'none',
    node: false,
    devtool: 'source-map',
    entry: { main: './src/main.ts' },
    output: { path: join(ROOT, 'dist/apps', name), filename: '[name].js', library: { type: 'commonjs' }, clean: true },
    resolve: { extensions: ['.ts', '.js', '.json'], alias: workspaceAliases() },
    externals: [
      ({ request }, callback) => {
        if (!request || request.startsWith('.') || isAbsolute(request) || request.startsWith('@lib-stream/') || isModulePackage(request)) return callback();
        return callback(null, `commonjs ${request}`);
      },
    ],
    module: {
      rules: [
        {
          test: /\.ts$/,
          loader: require.resolve('ts-loader'),
          options: { configFile: join(appDir, 'tsconfig.app.json'), transpileOnly: process.env.STREAM_BUILD_TRANSPILE_ONLY === '1' },
        },
      ],
    },
    optimization: { minimize: false },
    performance: { hints: false },
    stats: 'errors-warnings',
    plugins: [new RuntimePackageJsonPlugin(name)],
  };
}

module.exports = { nodeAppConfig };
