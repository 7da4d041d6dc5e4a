/**
 * Builds the real renderer (same entry, same React app, same engine worker) once for
 * the Chromium tests, with Vite mode 'e2e'. The only difference from the product
 * build: main.tsx exposes the engine RPC client as window.__latchkeyE2E and the
 * worker serves the dump/load/bulk-import contract (both compiled out otherwise).
 * The shared CSP is added as a <meta> tag exactly as electron.vite.config.ts does.
 */
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { build, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY_META } from '../../../src/shared/csp';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const E2E_RENDERER_DIR = resolve(REPO_ROOT, 'out/e2e-renderer');

function cspMetaTag(): Plugin {
  return {
    name: 'latchkey-e2e:csp-meta',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY_META }, injectTo: 'head-prepend' }],
  };
}

export async function buildE2eRenderer(outDir = E2E_RENDERER_DIR): Promise<string> {
  // Vite derives NODE_ENV from the mode when unset; a mode other than 'production'
  // would give React's development build (slower, and not what ships).
  process.env.NODE_ENV = 'production';
  await build({
    configFile: false,
    root: resolve(REPO_ROOT, 'src/renderer'),
    base: './',
    mode: 'e2e',
    logLevel: 'warn',
    plugins: [react(), cspMetaTag()],
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, reportCompressedSize: false, chunkSizeWarningLimit: 4096 },
  });
  return outDir;
}
