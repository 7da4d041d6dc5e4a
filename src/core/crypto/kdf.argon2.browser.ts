/// <reference types="vite/client" />
/**
 * argon2id for the engine Web Worker (Chromium / Electron renderer) through
 * argon2-browser. Importing the package root breaks the Vite build (REQUIRE_TLA),
 * so we import the bundled build and hand it the SIMD wasm via a `?url` import and
 * the `loadArgon2WasmBinary` hook (SETUP.md). The bundle publishes the emscripten
 * module as `self.Module` once loaded; kdf.argon2.ts calls it directly so every
 * buffer it puts on the WASM heap is zeroed before it is freed.
 */
import bundled from 'argon2-browser/dist/argon2-bundled.min.js';
import simdWasmUrl from 'argon2-browser/dist/argon2-simd.wasm?url';
import type { Kdf } from './kdf';
import { createArgon2Kdf, type Argon2Module } from './kdf.argon2';

type Argon2Lib = typeof bundled;

let modulePromise: Promise<Argon2Module> | undefined;

/**
 * The bundle is UMD: bundlers hand us its module.exports as the default import;
 * loaded as a plain script it sets `self.argon2` instead. It reads the
 * `loadArgon2WasmBinary` hook lazily, at the first hash, so setting it here works.
 */
function loadModule(memoryKiB: number): Promise<Argon2Module> {
  modulePromise ??= (async () => {
    const g = globalThis as unknown as { argon2?: Argon2Lib; Module?: Argon2Module; loadArgon2WasmBinary?: () => Promise<Uint8Array> };
    g.loadArgon2WasmBinary ??= async () => new Uint8Array(await (await fetch(simdWasmUrl)).arrayBuffer());
    const argon2 = (bundled as Argon2Lib | undefined) ?? g.argon2;
    if (!argon2) throw new Error('argon2-browser did not load');
    // Runs the library's loader once, on public constants. Its first call sizes the
    // WASM memory, so it is made at the first real request's cost (one pass).
    await argon2.hash({ pass: new Uint8Array(8), salt: new Uint8Array(8), time: 1, mem: memoryKiB, hashLen: 16, parallelism: 1, type: argon2.ArgonType.Argon2id });
    const mod = g.Module;
    if (!mod || typeof mod._argon2_hash_ext !== 'function' || typeof mod._malloc !== 'function') throw new Error('argon2 module not found');
    return mod;
  })();
  return modulePromise;
}

export function createBrowserArgon2Kdf(): Kdf {
  return createArgon2Kdf(loadModule);
}
