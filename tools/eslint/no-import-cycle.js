// ESLint rule `local/no-import-cycle`: an import that closes a loop fails lint, at two levels.
//
// - Files: `a.ts` imports `b.ts`, which imports (through any chain) `a.ts` again. What
//   eslint-plugin-import's `no-cycle` checks, which this workspace does not install; type-only
//   imports count too (a loop of types is still two files that cannot be understood apart).
// - Feature folders: within one project's `src/`, each first-level folder is a feature (a file
//   directly in `src/` is its own); `sessions/x.ts` importing `youtube/y.ts` while anything in
//   `youtube/` reaches back into `sessions/` is a loop between features, even when no single file
//   loop exists. Nest modules follow the folders, so this also keeps their imports one-way.
//
// Only relative imports are followed: a workspace lib (`@lib-stream/*`) cannot import back into the
// project importing it without a project cycle, which `@nx/enforce-module-boundaries` reports.
// The import graph is read from the files on disk with TypeScript's import scanner (no type
// checking) and cached per file by modification time, looked at again at most once a second (so a
// whole-workspace run reads each file once, and an editor sees an edit a second later).
'use strict';

const { readdirSync, readFileSync, statSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');
const ts = require('typescript');

const EXTENSIONS = ['.ts', '.tsx', '/index.ts', '/index.tsx'];

/** How long what was read from disk is trusted before its modification time is looked at again. */
const FRESH_MS = 1000;

/** file → { mtimeMs, checkedAt, deps: absolute paths of the files it imports relatively } */
const depsCache = new Map();
/** `<project>/src` → { builtAt, graph } (see featureGraph) */
const featureCache = new Map();

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function resolveRelative(from, specifier) {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  if (/\.tsx?$/.test(base) && isFile(base)) return base;
  for (const extension of EXTENSIONS) if (isFile(base + extension)) return base + extension;
  return null;
}

/** The files `file` imports relatively (imports, re-exports, `import()`, `require()`). */
function depsOf(file) {
  const now = Date.now();
  const known = depsCache.get(file);
  if (known && now - known.checkedAt < FRESH_MS) return known.deps;
  let mtimeMs;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return [];
  }
  if (known && known.mtimeMs === mtimeMs) {
    known.checkedAt = now;
    return known.deps;
  }
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const deps = [...new Set(importedFiles.map((imported) => resolveRelative(file, imported.fileName)).filter(Boolean))];
  depsCache.set(file, { mtimeMs, checkedAt: now, deps });
  return deps;
}

/** Shortest import chain from `start` to `goal` as a list of files (both included), or null. */
function chain(start, goal, next) {
  const parent = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    if (node === goal) {
      const path = [];
      for (let at = goal; at !== null; at = parent.get(at)) path.unshift(at);
      return path;
    }
    for (const dep of next(node)) {
      if (!parent.has(dep)) {
        parent.set(dep, node);
        queue.push(dep);
      }
    }
  }
  return null;
}

/** `{ root: '<project>/src', feature }` for a file under a project's `src/`, else null. */
function featureOf(file) {
  const parts = file.split(sep);
  const src = parts.lastIndexOf('src');
  if (src < 2 || !['apps', 'libs'].includes(parts[src - 2]) || src === parts.length - 1) return null;
  return { root: parts.slice(0, src + 1).join(sep), feature: parts[src + 1] };
}

function sourceFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name) && !/\.(spec|int-spec|e2e-spec)\.tsx?$/.test(entry.name)) files.push(path);
  }
  return files;
}

/** feature → feature → one file-level import that makes the edge, for a project's `src/`. */
function featureGraph(root) {
  const cached = featureCache.get(root);
  if (cached && Date.now() - cached.builtAt < FRESH_MS) return cached.graph;
  const graph = new Map();
  for (const file of sourceFiles(root)) {
    const from = featureOf(file).feature;
    for (const dep of depsOf(file)) {
      const to = featureOf(dep);
      if (!to || to.root !== root || to.feature === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      if (!graph.get(from).has(to.feature)) graph.get(from).set(to.feature, [file, dep]);
    }
  }
  featureCache.set(root, { builtAt: Date.now(), graph });
  return graph;
}

module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid imports that close a loop between files, or between the feature folders of a project' },
    schema: [],
    messages: {
      fileCycle: 'Import cycle: {{chain}}. Move what both sides need into a file of its own, or invert one dependency.',
      featureCycle:
        'Feature folders depend on each other in a loop: {{chain}} (back through {{example}}). Let one side depend on the other only (an event, or the shared part moved down).',
    },
  },
  create(context) {
    const file = resolve(context.filename);
    const cwd = context.cwd ?? process.cwd();
    const show = (path) => relative(cwd, path);
    const feature = featureOf(file);

    function check(node, specifier) {
      if (typeof specifier !== 'string') return;
      const target = resolveRelative(file, specifier);
      if (!target) return;
      const loop = chain(target, file, depsOf);
      if (loop) {
        context.report({ node, messageId: 'fileCycle', data: { chain: [file, ...loop].map(show).join(' → ') } });
        return;
      }
      const to = featureOf(target);
      if (!feature || !to || to.root !== feature.root || to.feature === feature.feature) return;
      const features = featureGraph(feature.root);
      const back = chain(to.feature, feature.feature, (name) => (features.get(name) ?? new Map()).keys());
      if (!back) return;
      const [from, into] = features.get(back[back.length - 2]).get(feature.feature);
      context.report({
        node,
        messageId: 'featureCycle',
        data: { chain: [feature.feature, ...back].join(' → '), example: `${show(from)} → ${show(into)}` },
      });
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
