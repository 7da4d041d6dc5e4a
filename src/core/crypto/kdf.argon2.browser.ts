/// <reference types="vite/client" />
/**
 * argon2id for the engine Web Worker (Chromium / Electron renderer) through
 * argon2-browser. Importing the package root breaks the Vite build (REQUIRE_TLA),
 * so we import the bundled build and hand it the SIMD wasm via a `?url` import and
 * the `loadArgon2WasmBinary` hook (SETUP.md).
 */
import bundled from 'argon2-browser/dist/argon2-bundled.min.js';
import simdWasmUrl from 'argon2-browser/dist/argon2-simd.wasm?url';
import { LatchkeyError } from '../../shared/errors';
import type { Kdf } from './kdf';
import { createArgon2Kdf } from './kdf.argon2';

type Argon2Lib = typeof bundled;

/**
 * The bundle is UMD: bundlers hand us its module.exports as the default import;
 * loaded as a plain script it sets `self.argon2` instead. It reads the
 * `loadArgon2WasmBinary` hook lazily, at the first hash, so setting it here works.
 */
function lib(): Argon2Lib {
  const g = globalThis as unknown as { argon2?: Argon2Lib; loadArgon2WasmBinary?: () => Promise<Uint8Array> };
  g.loadArgon2WasmBinary ??= async () => new Uint8Array(await (await fetch(simdWasmUrl)).arrayBuffer());
  const argon2 = (bundled as Argon2Lib | undefined) ?? g.argon2;
  if (!argon2) throw new LatchkeyError('internal', 'argon2-browser did not load.');
  return argon2;
}

export function createBrowserArgon2Kdf(): Kdf {
  return createArgon2Kdf(lib);
}
