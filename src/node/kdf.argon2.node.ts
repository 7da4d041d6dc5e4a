/**
 * argon2id for Node (engine in worker_threads, tests, bench, CLI) through
 * argon2-browser's SIMD WASM. Its own loader sees Node's fetch and tries to fetch a
 * file path, so we hand it the wasm bytes through the `loadArgon2WasmModule` hook
 * with `self.Module = { wasmBinary }` (SETUP.md), and keep the emscripten module it
 * returns: src/core/crypto/kdf.argon2.ts calls it directly so it can zero every
 * buffer it puts on the WASM heap.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Kdf } from '../core/crypto/kdf';
import { createArgon2Kdf, type Argon2Module } from '../core/crypto/kdf.argon2';

interface Argon2Lib {
  hash(params: { pass: Uint8Array; salt: Uint8Array; time: number; mem: number; hashLen: number; parallelism: number; type: number }): Promise<unknown>;
}

let modulePromise: Promise<Argon2Module> | undefined;

function loadModule(): Promise<Argon2Module> {
  modulePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmPath = require.resolve('argon2-browser/dist/argon2-simd.wasm');
    const wasmBinary = new Uint8Array(readFileSync(wasmPath));
    const g = globalThis as Record<string, unknown>;
    let mod: Argon2Module | undefined;
    g.loadArgon2WasmModule = () => {
      // The emscripten glue reads `self.Module` once, synchronously, when required.
      const hadSelf = 'self' in g;
      if (!hadSelf) g.self = g;
      g.Module = { wasmBinary };
      try {
        mod = require('argon2-browser/dist/argon2.js') as Argon2Module;
        return Promise.resolve(mod);
      } finally {
        if (!hadSelf) delete g.self;
        delete g.Module;
      }
    };
    const lib = require('argon2-browser') as Argon2Lib;
    // The library's own loader waits for the runtime to be ready; a throwaway hash of
    // public constants is the way to run it.
    await lib.hash({ pass: new Uint8Array(8), salt: new Uint8Array(8), time: 1, mem: 8, hashLen: 16, parallelism: 1, type: 2 });
    if (!mod) throw new Error('argon2 module not captured');
    return mod;
  })();
  return modulePromise;
}

export function createNodeArgon2Kdf(): Kdf {
  return createArgon2Kdf(loadModule);
}

/** TESTS ONLY: the module, so a test can scan its heap for key bytes. */
export function argon2ModuleForTests(): Promise<Argon2Module> {
  return loadModule();
}
