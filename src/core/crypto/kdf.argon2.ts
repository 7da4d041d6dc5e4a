/**
 * The part of the argon2id adapters that does not depend on the runtime. We call the
 * emscripten module's `argon2_hash_ext` ourselves instead of argon2-browser's
 * `hash()`: that helper frees its password, salt and output buffers without zeroing
 * them and also builds hex and encoded strings of the output (JS strings cannot be
 * wiped), so the argon2id output — with the stored salt, the key that unwraps VK —
 * would outlive the unlock. Here every buffer we put on the WASM heap is zeroed
 * before it is freed, and no string of the output is ever made. The argon2 C code
 * wipes its own memory blocks (clear_internal_memory is on in the reference build).
 * The adapters (src/node/kdf.argon2.node.ts, kdf.argon2.browser.ts) differ only in
 * how they load the module.
 */
import { LatchkeyError } from '../../shared/errors';
import { checkArgon2idBounds, type Argon2idInput, type Kdf } from './kdf';

/** The slice of argon2-browser's emscripten module we use. */
export interface Argon2Module {
  readonly HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(ptr: number): void;
  _argon2_hash_ext(
    t: number,
    m: number,
    p: number,
    pwd: number,
    pwdlen: number,
    salt: number,
    saltlen: number,
    hash: number,
    hashlen: number,
    encoded: number,
    encodedlen: number,
    type: number,
    secret: number,
    secretlen: number,
    ad: number,
    adlen: number,
    version: number,
  ): number;
}

const ARGON2D = 0;
const ARGON2ID = 2;
const VERSION_13 = 0x13;

/** A Kdf over the module; `load` may cache and may throw. */
export function createArgon2Kdf(load: (memoryKiB: number) => Promise<Argon2Module>): Kdf {
  return {
    async argon2id(input: Argon2idInput): Promise<Uint8Array> {
      // Before anything is allocated: a crafted slot must not make us reserve gigabytes.
      checkArgon2idBounds(input);
      let mod: Argon2Module;
      try {
        mod = await load(input.memoryKiB);
      } catch {
        throw new LatchkeyError('internal', 'argon2id could not be loaded.');
      }
      return hashZeroed(mod, input);
    },
    async argon2d(input: Argon2idInput): Promise<Uint8Array> {
      checkArgon2idBounds(input);
      let mod: Argon2Module;
      try {
        mod = await load(input.memoryKiB);
      } catch {
        throw new LatchkeyError('internal', 'argon2d could not be loaded.');
      }
      return hashZeroed(mod, input, ARGON2D);
    },
  };
}

/** Runs one hash; every region we allocated is zeroed before it is freed, on every path. */
export function hashZeroed(mod: Argon2Module, input: Argon2idInput, type: number = ARGON2ID): Uint8Array {
  const regions: [number, number][] = [];
  const put = (bytes: Uint8Array | undefined, extra = 0): number => {
    if (!bytes || bytes.length === 0) return 0;
    const ptr = mod._malloc(bytes.length + extra);
    if (!ptr) throw new LatchkeyError('internal', 'argon2id failed.');
    regions.push([ptr, bytes.length + extra]);
    mod.HEAPU8.set(bytes, ptr);
    return ptr;
  };
  try {
    const pwd = put(input.password, 1);
    const salt = put(input.salt, 1);
    const secret = put(input.secret);
    const ad = put(input.associatedData);
    const hash = mod._malloc(input.hashLength);
    if (!hash) throw new LatchkeyError('internal', 'argon2id failed.');
    regions.push([hash, input.hashLength]);
    const rc = mod._argon2_hash_ext(
      input.iterations,
      input.memoryKiB,
      input.parallelism,
      pwd,
      input.password.length,
      salt,
      input.salt.length,
      hash,
      input.hashLength,
      0,
      0,
      type,
      secret,
      input.secret?.length ?? 0,
      ad,
      input.associatedData?.length ?? 0,
      VERSION_13,
    );
    if (rc !== 0) throw new LatchkeyError('internal', 'argon2id failed.');
    // HEAPU8 is re-read: the heap may have grown (and been replaced) during the hash.
    const out = new Uint8Array(new ArrayBuffer(input.hashLength));
    out.set(mod.HEAPU8.subarray(hash, hash + input.hashLength));
    return out;
  } catch (e) {
    // The module's own error object may echo inputs; never forward it.
    if (e instanceof LatchkeyError) throw e;
    throw new LatchkeyError('internal', 'argon2id failed.');
  } finally {
    const heap = mod.HEAPU8;
    for (const [ptr, len] of regions) {
      heap.fill(0, ptr, ptr + len);
      mod._free(ptr);
    }
  }
}
