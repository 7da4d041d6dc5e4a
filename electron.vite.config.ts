/**
 * Three builds (see SETUP.md "Electron"):
 * - main: ESM (package.json "type": "module"), dependencies externalized (keytar,
 *   node-hid load natively at run time).
 * - preload: CommonJS (index.cjs). An ES-module preload would force sandbox: false;
 *   CommonJS keeps the sandbox on. Bundled into one file: a sandboxed preload can
 *   require nothing but 'electron'.
 * - renderer: rooted at src/renderer, React, Web Workers bundled as ES modules, and
 *   the shared Content-Security-Policy injected as a <meta> tag into index.html.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY_META } from './src/shared/csp';

const root = import.meta.dirname;

/** Adds the CSP meta tag to the built index.html (dev keeps Vite's inline preamble working). */
function cspMetaTag(): Plugin {
  return {
    name: 'latchkey:csp-meta',
    apply: 'build',
    transformIndexHtml: {
      order: 'pre',
      handler: (html) => {
        if (html.includes('http-equiv="Content-Security-Policy"')) return html;
        return {
          html,
          tags: [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY_META }, injectTo: 'head-prepend' }],
        };
      },
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rolldownOptions: { input: { index: resolve(root, 'src/main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      rolldownOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [react(), cspMetaTag()],
    worker: { format: 'es' },
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: { index: resolve(root, 'src/renderer/index.html') } },
    },
  },
});
