// @ts-check
/**
 * Lint for Latchkey: typescript-eslint's type-aware rules tuned to the tree, and the
 * layer rules of DESIGN §3 that fail the build instead of holding by care:
 *   shared ← core ← (renderer, main, server, cli); preload sees only shared;
 *   electron is loaded only by the shell;
 *   a file's runtime suffix (*.node.ts, *.browser.ts) matches what it imports.
 * Import cycles are dependency-cruiser's (.dependency-cruiser.cjs): import-x's no-cycle
 * skips `import type`. test/unit/lint/ proves each rule fires on a fixture that breaks it.
 */
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';
import globals from 'globals';

const LAYERS = ['shared', 'core', 'main', 'renderer', 'preload', 'server', 'cli', 'preview', 'node'];
/** Every layer folder of src/ except the ones named. */
const layersBut = (...allowed) => LAYERS.filter((l) => !allowed.includes(l)).map((l) => `./src/${l}`);

const layerZones = [
  {
    target: './src/shared',
    from: layersBut('shared'),
    message: 'src/shared is the bottom layer (DESIGN §3): it imports nothing from the other layers.',
  },
  {
    target: './src/core',
    from: layersBut('shared', 'core'),
    message: 'src/core imports only src/shared and its own files (DESIGN §3); platform needs reach it as interfaces passed in.',
  },
  {
    target: './src/renderer',
    from: layersBut('shared', 'core', 'renderer'),
    message: 'The renderer runs in sandboxed Chromium: it may use src/core and src/shared, never main, server, cli, preload, preview or src/node.',
  },
  {
    target: './src/preload',
    from: layersBut('shared', 'preload'),
    message: 'The preload is the only bridge and stays minimal (DESIGN §2): it imports only src/shared.',
  },
  {
    target: './src/node',
    from: layersBut('shared', 'core', 'node'),
    message: 'src/node holds the Node edge adapters for core: they import only src/core and src/shared.',
  },
];

const ELECTRON_SHELL = ['src/main/app/**', 'src/main/index.ts', 'src/preload/**'];
/** `import('electron')` and `require('electron')`, which no-restricted-imports does not see. */
const ELECTRON_LOADS = [
  { selector: 'ImportExpression[source.value=/^@?electron(\\/|$)/]', message: 'Only the shell (src/main/app, src/main/index.ts, src/preload) loads electron.' },
  {
    selector: "CallExpression[callee.name='require'][arguments.0.value=/^@?electron(\\/|$)/]",
    message: 'Only the shell (src/main/app, src/main/index.ts, src/preload) loads electron.',
  },
];

export default defineConfig(
  {
    ignores: ['node_modules/**', 'out/**', 'dist/**', 'release/**', 'coverage/**', 'test-results/**', '.tmp/**', 'test/fixtures/lint/**'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'], extensionAlias: { '.js': ['.ts', '.tsx', '.js'] } })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],

      // ── strictTypeChecked, tuned to the tree (each change says why) ──
      // noUncheckedIndexedAccess is on, so `bytes[i]!` after a bounds check is the idiom (~380 sites).
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Stylistic: `() => reply.send(x)` and `onClick={() => setOpen(false)}` read fine.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // Numbers and booleans print predictably in messages; objects, nullish and `any` still fail.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // In-memory stores and doubles are `async` without `await` on purpose: they implement
      // Promise-returning seams, and a throw must become a rejection as in the real adapter.
      '@typescript-eslint/require-await': 'off',
      // The types overstate presence here: DOM globals typed as always there are absent in
      // Node (store.dexie.ts), handles set in beforeAll may be unset in afterAll, flags
      // flipped inside callbacks read as constants to the checker (~50 sites, no real dead code).
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Interfaces declare callbacks with method syntax (`onRefused?(r): void`) and hand them
      // on as values; no class method is detached, so every report here was a false alarm.
      '@typescript-eslint/unbound-method': 'off',
      // React drops a handler's result; async handlers go through useAction, which catches
      // and shows the error. Promises passed anywhere else are still checked.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      // `(() => void) | void` types an optional-cleanup callback (React-effect style).
      '@typescript-eslint/no-invalid-void-type': 'off',
      // `query<R>()` and `readFake<T>()` are the typed-cast idiom for rows and JSON at a seam.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
      // `'ok' | string` and `keyof X & string` document intent; the checker folds them harmlessly.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // Every string spread in the tree is over an ASCII alphabet or a deliberate code-point split.
      '@typescript-eslint/no-misused-spread': 'off',
      // Fail-closed defaults are deliberate: `let good = false; try { good = verify() } catch { good = false }`.
      'no-useless-assignment': 'off',
      // The gateway uses the SDK's low-level Server on purpose (tool list and argument parsing
      // stay ours, zod first; see src/main/gateway/mcp-server.ts). Anything else deprecated fails.
      '@typescript-eslint/no-deprecated': [
        'error',
        {
          allow: [
            { from: 'package', package: '@modelcontextprotocol/sdk', name: 'Server' },
            { from: 'package', package: '@modelcontextprotocol/server', name: 'Server' },
          ],
        },
      ],
      // `_`-prefixed names are the tree's "deliberately unused" (a destructured-away field, an arity-4 handler).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests and benches parse JSON they produced themselves to inspect or tamper with it:
    // `any` there crosses no trust boundary, and a schema would hide the tampering.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // A test names the shape of the rejection it expects in order to read its code; a
      // wrong guess fails the assertion. Its rethrown Error is an assertion message.
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'off',
      'preserve-caught-error': 'off',
    },
  },
  {
    // Rows come from pg or PGlite, which hand int8 back differently: Number() over a
    // column typed `number` is the normalisation, not noise.
    files: ['src/server/**', 'test/**'],
    rules: { '@typescript-eslint/no-unnecessary-type-conversion': 'off' },
  },
  {
    // The few plain-JS files (CLI launcher, a worker fixture, configs) sit outside the
    // TypeScript program: syntax rules only.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
  },

  // ── Layer rules (DESIGN §3) ──────────────────────────────────────────────────────────
  {
    // Loading 'electron' from plain Node tries to download the binary (SETUP.md), and
    // everything but the thin shell must run without it: elsewhere only `import type`.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', allowTypeImports: true, message: 'Only the shell (src/main/app, src/main/index.ts, src/preload) loads electron; elsewhere use `import type`.' },
          ],
          patterns: [{ group: ['electron/*', '@electron/*'], allowTypeImports: true, message: 'Only the shell loads electron.' }],
        },
      ],
      'no-restricted-syntax': ['error', ...ELECTRON_LOADS],
    },
  },
  {
    files: ELECTRON_SHELL,
    rules: { '@typescript-eslint/no-restricted-imports': 'off', 'no-restricted-syntax': 'off' },
  },
  {
    // The engine runs in a Web Worker and in Node tests alike: no Node built-in, no
    // Electron, no React or DOM-only module, not even as a type.
    files: ['src/core/**'],
    rules: {
      'import-x/no-nodejs-modules': ['error'],
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', 'react', 'react-dom'].map((name) => ({ name, message: 'src/core imports no Electron, React or DOM-only module (DESIGN §3).' })),
          patterns: [{ group: ['electron/*', '@electron/*', 'react/*', 'react-dom/*'], message: 'src/core imports no Electron, React or DOM-only module (DESIGN §3).' }],
        },
      ],
    },
  },
  {
    // Runtime suffix (Signal Desktop's convention): a *.node.ts file is Node-only and so
    // belongs at the edge, in src/node/, never inside the engine.
    files: ['src/core/**/*.node.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: 'Program', message: 'A *.node.ts file is Node-only: it lives in src/node/, not in src/core (DESIGN §3).' }, ...ELECTRON_LOADS],
    },
  },
  {
    // A *.browser.ts file runs in Chromium (page or worker), where no Node built-in exists.
    files: ['**/*.browser.ts', '**/*.browser.tsx', 'src/renderer/**', 'src/preload/**'],
    rules: { 'import-x/no-nodejs-modules': ['error'] },
  },
);
