/**
 * argon2id for Node (engine in worker_threads, tests, bench, CLI): node:crypto's
 * native argon2 where the runtime has it (`crypto.argon2`, Node ≥ 24.7 — OpenSSL's,
 * about 1.5x the WASM's speed), else argon2-browser's SIMD WASM. Both give the same
 * output (RFC 9106; known-answer tests run through both halves). For the WASM: Its own loader sees Node's fetch and tries to fetch a
 * file path, so we hand it the wasm bytes through the `loadArgon2WasmModule` hook
 * with `self.Module = { wasmBinary }` (SETUP.md), and keep the emscripten module it
 * returns: src/core/crypto/kdf.argon2.ts calls it directly so it can zero every
 * buffer it puts on the WASM heap.
 */
import * as nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LatchkeyError } from '../shared/errors';
import { checkArgon2idBounds, type Argon2idInput, type Kdf } from '../core/crypto/kdf';
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

interface NativeArgon2Params {
  message: Uint8Array;
  nonce: Uint8Array;
  parallelism: number;
  tagLength: number;
  memory: number;
  passes: number;
  secret?: Uint8Array;
  associatedData?: Uint8Array;
}
type NativeArgon2 = (algorithm: 'argon2id', parameters: NativeArgon2Params, callback: (err: Error | null, key: Uint8Array) => void) => void;

/** node:crypto's argon2, when this Node has it (read from the namespace: absent in Node 20, so not a named import). */
function nativeArgon2(): NativeArgon2 | undefined {
  const f = (nodeCrypto as unknown as { argon2?: unknown }).argon2;
  return typeof f === 'function' ? (f as NativeArgon2) : undefined;
}

/**
 * The native path, or null when this runtime lacks it. OpenSSL copies password and
 * salt and clears its own memory; the Buffer it returns is zeroed here after the copy.
 */
export function createNativeArgon2Kdf(): Kdf | null {
  const argon2 = nativeArgon2();
  if (!argon2) return null;
  return {
    async argon2id(input: Argon2idInput): Promise<Uint8Array> {
      checkArgon2idBounds(input);
      const params: NativeArgon2Params = {
        message: input.password,
        nonce: input.salt,
        parallelism: input.parallelism,
        tagLength: input.hashLength,
        memory: input.memoryKiB,
        passes: input.iterations,
        ...(input.secret?.length ? { secret: input.secret } : {}),
        ...(input.associatedData?.length ? { associatedData: input.associatedData } : {}),
      };
      const key = await new Promise<Uint8Array>((resolve, reject) => {
        try {
          // The error may echo inputs; never forward it.
          argon2('argon2id', params, (err, k) => (err ? reject(new LatchkeyError('internal', 'argon2id failed.')) : resolve(k)));
        } catch {
          reject(new LatchkeyError('internal', 'argon2id failed.'));
        }
      });
      const out = new Uint8Array(new ArrayBuffer(key.length));
      out.set(key);
      key.fill(0);
      return out;
    },
  };
}

/** The WASM path alone (also where there is no native argon2). */
export function createWasmArgon2Kdf(): Kdf {
  return createArgon2Kdf(loadModule);
}

/** Which implementation createNodeArgon2Kdf uses in this runtime. */
export function nodeArgon2Implementation(): 'node:crypto' | 'wasm' {
  return nativeArgon2() ? 'node:crypto' : 'wasm';
}

export function createNodeArgon2Kdf(): Kdf {
  const native = createNativeArgon2Kdf();
  // argon2d (reading KeePass files only) always through the WASM: one path to keep correct.
  return native ? { argon2id: (i) => native.argon2id(i), argon2d: (i) => createWasmArgon2Kdf().argon2d!(i) } : createWasmArgon2Kdf();
}

/** TESTS ONLY: the module, so a test can scan its heap for key bytes. */
export function argon2ModuleForTests(): Promise<Argon2Module> {
  return loadModule();
}
