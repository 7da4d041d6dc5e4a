/**
 * argon2id for Node (engine in worker_threads, tests, bench, CLI) through
 * argon2-browser's SIMD WASM. Its own loader sees Node's fetch and tries to fetch a
 * file path, so we hand it the wasm bytes through the `loadArgon2WasmModule` hook
 * with `self.Module = { wasmBinary }` (SETUP.md).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Kdf } from './kdf';
import { createArgon2Kdf, type Argon2Lib } from './kdf.argon2';

let lib: Argon2Lib | undefined;

function loadLib(): Argon2Lib {
  if (lib) return lib;
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve('argon2-browser/dist/argon2-simd.wasm');
  const wasmBinary = new Uint8Array(readFileSync(wasmPath));
  const g = globalThis as Record<string, unknown>;
  g.loadArgon2WasmModule = () => {
    // The emscripten glue reads `self.Module` once, synchronously, when required.
    const hadSelf = 'self' in g;
    if (!hadSelf) g.self = g;
    g.Module = { wasmBinary };
    try {
      return Promise.resolve(require('argon2-browser/dist/argon2.js'));
    } finally {
      if (!hadSelf) delete g.self;
      delete g.Module;
    }
  };
  lib = require('argon2-browser') as Argon2Lib;
  return lib;
}

export function createNodeArgon2Kdf(): Kdf {
  return createArgon2Kdf(loadLib);
}
