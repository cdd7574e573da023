// Lint rules. The block for src/core/ enforces purity: no Node built-ins, no I/O
// libraries, no clock, no randomness, no environment. The block for web/ (the browser
// console) keeps Node out of the page: no Node built-ins, no process.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'node:*',
  'fs',
  'fs/*',
  'net',
  'http',
  'https',
  'os',
  'path',
  'child_process',
  'worker_threads',
  'crypto',
  'pg',
  'better-sqlite3',
  'ws',
  'nats',
  'ioredis',
  'fastify',
  'pino',
];

/** Import patterns refusing the given top-level directories of src/ (by any relative path). */
function layerPatterns(dirs) {
  return dirs.map((d) => ({
    regex: `^(\\.\\./)+${d}/|^\\./${d}/`,
    message: `src/${d}/ is an outer layer here: see the import layers at the top of eslint.config.js.`,
  }));
}

export default tseslint.config(
  { ignores: ['dist/', 'packages/*/dist/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Imports run one way (outer to inner): cli -> node (composition roots) -> gateway (HTTP) | push (WebSocket)
    // -> the shared modules (auth, orders, wire, api, metrics, ...) and cluster -> pipeline -> adapters -> core.
    // gateway/ and push/ are siblings: neither imports the other; what both use lives in a shared module.
    files: ['src/**/*.ts'],
    ignores: ['src/core/**', 'src/client/**', 'src/cli/**', 'src/node/**', 'src/gateway/**', 'src/push/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: layerPatterns(['gateway', 'push', 'node', 'cli']) }],
    },
  },
  {
    files: ['src/gateway/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: layerPatterns(['push', 'node', 'cli', 'cluster']) }] },
  },
  {
    files: ['src/push/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: layerPatterns(['gateway', 'node', 'cli', 'cluster']) }] },
  },
  {
    files: ['src/node/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: layerPatterns(['cli']) }] },
  },
  {
    // The client package is built from src/client alone and runs in browsers: nothing from the server, no Node
    // built-ins (WebCrypto and fetch are globals in both); `ws` is its one dependency (swapped out in browsers).
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*'], message: 'src/client is a package of its own: import only from src/client.' },
            {
              group: ioModules.filter((m) => m !== 'ws'),
              message: 'src/client runs in browsers: no Node built-ins or server libraries.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ioModules, message: 'src/core is pure: no I/O, Node built-ins or drivers.' }] },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Date'][property.name='now']",
          message: 'src/core takes time from the command, never Date.now().',
        },
        {
          selector: "NewExpression[callee.name='Date']",
          message: 'src/core takes time from the command, never new Date().',
        },
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'src/core is deterministic: no Math.random().',
        },
        {
          selector: "MemberExpression[object.name='process']",
          message: 'src/core does not read process.* (env, hrtime, ...).',
        },
        { selector: "CallExpression[callee.name='parseFloat']", message: 'Money is integers: no parseFloat.' },
        { selector: "CallExpression[callee.property.name='toFixed']", message: 'Money is integers: no toFixed.' },
      ],
      'no-restricted-globals': ['error', 'performance', 'setTimeout', 'setInterval', 'fetch', 'require'],
    },
  },
  {
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'crypto'], message: 'web/ runs in a browser: no Node modules.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'require', 'Buffer'],
    },
  },
);
