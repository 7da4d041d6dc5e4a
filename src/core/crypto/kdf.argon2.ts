/**
 * The part of the argon2id adapters that does not depend on the runtime: mapping
 * our input onto argon2-browser's hash call and its result back. The adapters
 * (kdf.argon2.node.ts, kdf.argon2.browser.ts) differ only in how they load the library.
 */
import { LatchkeyError } from '../../shared/errors';
import type { Argon2idInput, Kdf } from './kdf';

/** The slice of argon2-browser's API the adapters use. */
export interface Argon2Lib {
  hash(params: {
    pass: Uint8Array; salt: Uint8Array; time: number; mem: number; hashLen: number; parallelism: number;
    type: number; secret?: Uint8Array; ad?: Uint8Array;
  }): Promise<{ hash: Uint8Array }>;
  ArgonType: { Argon2id: number };
}

/** A Kdf over argon2-browser; `load` is called at each hash (it may cache) and may throw. */
export function createArgon2Kdf(load: () => Argon2Lib): Kdf {
  return {
    async argon2id(input: Argon2idInput): Promise<Uint8Array> {
      const argon2 = load();
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
