/**
 * Password hashing reaches the core through this interface: argon2id (RFC 9106)
 * runs in WASM (argon2-browser) whose loading differs per runtime, so the adapters
 * live in kdf.argon2.node.ts and kdf.argon2.browser.ts.
 */
import { LatchkeyError } from '../../shared/errors';

export interface Argon2idParams {
  /** Memory in KiB (m). */
  readonly memoryKiB: number;
  /** Passes (t). */
  readonly iterations: number;
  /** Lanes (p). The WASM is single-threaded: p > 1 only costs time. */
  readonly parallelism: number;
}

export interface Argon2idInput extends Argon2idParams {
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly hashLength: number;
  /** Optional secret key K and associated data X of RFC 9106 §3.1. */
  readonly secret?: Uint8Array;
  readonly associatedData?: Uint8Array;
}

export interface Kdf {
  argon2id(input: Argon2idInput): Promise<Uint8Array>;
}

/** Defaults for new password slots: m = 64 MiB, t = 3, p = 1 (issue 2; RFC 9106 §4 second recommendation uses 64 MiB). */
export const DEFAULT_ARGON2ID: Argon2idParams = Object.freeze({ memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 });

/** Hard bounds on stored parameters, so a crafted slot cannot make unlock allocate 4 GiB or spin forever. */
export const ARGON2ID_LIMITS = { maxMemoryKiB: 4 * 1024 * 1024, maxIterations: 64, maxParallelism: 16 } as const;

export function checkArgon2idParams(p: Argon2idParams, floor: Argon2idParams): void {
  if (!Number.isInteger(p.memoryKiB) || !Number.isInteger(p.iterations) || !Number.isInteger(p.parallelism)
    || p.memoryKiB < 8 * p.parallelism || p.memoryKiB > ARGON2ID_LIMITS.maxMemoryKiB
    || p.iterations < 1 || p.iterations > ARGON2ID_LIMITS.maxIterations
    || p.parallelism < 1 || p.parallelism > ARGON2ID_LIMITS.maxParallelism) {
    throw new LatchkeyError('invalid_input', 'The argon2id parameters are out of range.');
  }
  if (p.memoryKiB < floor.memoryKiB || p.iterations < floor.iterations) {
    throw new LatchkeyError('kdf_too_weak', `The password KDF parameters are below the minimum (m=${floor.memoryKiB} KiB, t=${floor.iterations}).`);
  }
}
