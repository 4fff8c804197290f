// Lint holds the architecture: Dexie only in src/persistence, TF.js only in workers/ (and
// tests/bench), no Svelte or DOM-only code in workers/. Zero warnings are tolerated (`--max-warnings 0`).
import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

const dexieOnlyInPersistence = {
  name: 'dexie',
  message: 'Dexie lives in src/persistence: import its repositories from there.',
};
const tfOnlyInWorkers = {
  group: ['@tensorflow/*'],
  message: 'TensorFlow.js runs in the ML worker (workers/): call it through the ML bridge.',
};

export default ts.config(
  {
    ignores: [
      'dist/',
      'dist-bench/',
      'dist-*/',
      'node_modules/',
      'bench/results/',
      'public/',
      'test-results/',
      'playwright-report/',
      'dev-dist/',
      '.device/',
      '.vitest-attachments/',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommendedTypeChecked,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.browser, ...globals.node },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: ts.parser, svelteConfig },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...ts.configs.disableTypeChecked,
  },
  {
    files: ['src/**'],
    ignores: ['src/persistence/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [dexieOnlyInPersistence], patterns: [tfOnlyInWorkers] },
      ],
    },
  },
  {
    files: ['src/persistence/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [tfOnlyInWorkers] }],
    },
  },
  {
    files: ['workers/**'],
    languageOptions: { globals: { ...globals.worker } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [dexieOnlyInPersistence],
          patterns: [
            {
              group: ['svelte', 'svelte/*', '*.svelte'],
              message: 'Workers have no DOM or Svelte.',
            },
            {
              group: ['**/ui/**', '*.svelte.ts', '**/*.svelte.js'],
              message: 'Workers have no UI.',
            },
            { group: ['chart.js', 'chart.js/*'], message: 'Charts belong to the page.' },
          ],
        },
      ],
    },
  },
);
