import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

import noImportCycle from './tools/eslint/no-import-cycle.js';

const moduleBoundaries = [
  'error',
  {
    enforceBuildableLibDependency: true,
    allow: [],
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:types', 'type:util', 'type:testing'] },
      { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:contracts', 'type:types', 'type:util'] },
      { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:types'] },
      { sourceTag: 'type:types', onlyDependOnLibsWithTags: [] },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:types', 'type:util'] },
      { sourceTag: 'type:deploy', onlyDependOnLibsWithTags: [] },
      { sourceTag: 'type:tools', onlyDependOnLibsWithTags: ['type:contracts', 'type:types', 'type:util', 'type:testing'] },
      { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:contracts', 'type:types', 'type:util', 'type:testing'] },
    ],
  },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/.nx', '**/.data', '**/coverage', '**/tmp'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      // Apps talk only through @lib-stream/contracts over Redis; libs never import apps.
      '@nx/enforce-module-boundaries': moduleBoundaries,
      // Off on purpose: an `import type` of an injected class erases the decorator metadata Nest DI needs.
      '@typescript-eslint/consistent-type-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    ignores: ['**/jest.config.ts'],
    languageOptions: {
      // The typecheck job's one program for every file, instead of projectService's program per
      // tsconfig: the lint job's CPU 52 -> 40 s. A .ts file outside it fails to parse, by name.
      parserOptions: { project: ['./tsconfig.typecheck.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // No import loops, between files or between a project's feature folders (tools/eslint/no-import-cycle.js).
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    plugins: { local: { rules: { 'no-import-cycle': noImportCycle } } },
    rules: { 'local/no-import-cycle': 'error' },
  },
  {
    // The testing lib is for specs only.
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts', 'libs/testing/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: '@lib-stream/testing', message: 'Only tests may import @lib-stream/testing.' }] }],
    },
  },
  {
    // Command-line tools (benchmarks, evaluation, generators) print their results, and measure the
    // apps' own modules, so they may import app code.
    files: ['tools/**/*.ts'],
    rules: { 'no-console': 'off', '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // The sentiment tools use the engine through @lib-stream/sentiment like any project: no exception.
    files: ['tools/sentiment/**/*.ts', 'tools/bench/sentiment-throughput.ts'],
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
];
