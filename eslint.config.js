// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.crossvpc/**', '.kafka/**', 'dist/**', 'test-artifacts/**', 'test/consumer/**', '**/*.mjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Forgetting to await activities, workflow APIs or I/O is a bug.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: no Node built-ins, no I/O or non-deterministic modules, no side-effect packages.
    files: ['workflows/**/*.ts', 'test/**/fixtures/*-workflow.ts'],
    rules: {
      // The typescript-eslint variant lets workflows import activity *types* (proxyActivities<...>) but no values.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not allowed in workflow code (non-deterministic); use an activity.' })),
          patterns: [
            { group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'], message: 'Workflow code may only use @temporalio/workflow and @temporalio/common.' },
            { group: ['undici', '@platformatic/kafka', 'yaml', '**/src/otc/**', '**/src/sandbox/**', '**/src/kafka/**'], message: 'Workflow code must not do I/O: move it to an activity.' },
            { group: ['**/activities/**', '**/activities/*.js'], allowTypeImports: true, message: 'Workflows may import activity types only (import type ...).' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'No I/O in workflow code; use an activity.' },
        { name: 'process', message: 'process is not available in workflow code.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'Use the SDK-seeded Math.random only via uuid4() from @temporalio/workflow, or pass randomness in.' },
      ],
    },
  },
  {
    // The CLI and the typed client load the SDK's values with require (src/temporal/sdk.ts): an ESM import of
    // the CommonJS SDK costs every command start-up time in export scanning (bench/cli-startup.ts).
    files: ['src/cli/**/*.ts', 'src/client/**/*.ts', 'src/temporal/**/*.ts'],
    ignores: ['src/temporal/sdk.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['@temporalio/client', '@temporalio/common', '@temporalio/common/lib/time.js'].map((name) => ({
            name,
            allowTypeImports: true,
            message: 'Import SDK values from src/temporal/sdk.ts (types: import type).',
          })),
        },
      ],
    },
  },
  {
    // The sandbox emulates the cloud; it must never depend on the product's workflows or activities.
    files: ['src/sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/workflows/**', '**/activities/**', '**/worker/**'], message: 'The sandbox imports no workflow, activity or worker code.' }] }],
    },
  },
);
