/**
 * argon2id for Node (engine in worker_threads, tests, bench, CLI) through
 * argon2-browser's SIMD WASM. Its own loader sees Node's fetch and tries to fetch a
 * file path, so we hand it the wasm bytes through the `loadArgon2WasmModule` hook
 * with `self.Module = { wasmBinary }` (SETUP.md).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LatchkeyError } from '../../shared/errors';
import type { Argon2idInput, Kdf } from './kdf';

interface Argon2Result { hash: Uint8Array }
interface Argon2Lib {
  hash(params: {
    pass: Uint8Array; salt: Uint8Array; time: number; mem: number; hashLen: number; parallelism: number;
    type: number; secret?: Uint8Array; ad?: Uint8Array;
  }): Promise<Argon2Result>;
  ArgonType: { Argon2id: number };
}

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
  return {
    async argon2id(input: Argon2idInput): Promise<Uint8Array> {
      const argon2 = loadLib();
      try {
        const r = await argon2.hash({
          pass: input.password,
          salt: input.salt,
          time: input.iterations,
          mem: input.memoryKiB,
          hashLen: input.hashLength,
          parallelism: input.parallelism,
          type: argon2.ArgonType.Argon2id,
          ...(input.secret ? { secret: input.secret } : {}),
          ...(input.associatedData ? { ad: input.associatedData } : {}),
        });
        return r.hash;
      } catch {
        // The library's error object may echo inputs; never forward it.
        throw new LatchkeyError('internal', 'argon2id failed.');
      }
    },
  };
}
