/**
 * Password hashing reaches the core through this interface: argon2id (RFC 9106)
 * runs in WASM (argon2-browser) whose loading differs per runtime, so the adapters
 * live in src/node/kdf.argon2.node.ts and kdf.argon2.browser.ts.
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
  /**
   * argon2d, same bounds: only to read other apps' files (KeePass KDBX 4 defaults to it).
   * Never for Latchkey's own keys; optional so a Kdf without it just cannot import those.
   */
  argon2d?(input: Argon2idInput): Promise<Uint8Array>;
}

/** Defaults for new password slots: m = 64 MiB, t = 3, p = 1 (issue 2; RFC 9106 §4 second recommendation uses 64 MiB). */
export const DEFAULT_ARGON2ID: Argon2idParams = Object.freeze({ memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 });

/**
 * The ceiling on stored and new parameters (docs/vault-format.md §4.1). A slot is
 * attacker-writable data, so its cost is bounded before anything is allocated:
 * 256 MiB, 16 passes, 4 lanes, and at most 1 GiB·pass of total work (m·t), about
 * 5x the default; the unbounded 4 GiB of format 1 made one unlock take 16.5 s at 1 GiB.
 */
export const ARGON2ID_LIMITS = { maxMemoryKiB: 256 * 1024, maxIterations: 16, maxParallelism: 4, maxWorkKiB: 1024 * 1024 } as const;

/** Refuses parameters outside the ceiling (typed 'kdf_too_costly'), before any allocation. */
export function checkArgon2idBounds(p: Argon2idParams): void {
  const ints = Number.isSafeInteger(p.memoryKiB) && Number.isSafeInteger(p.iterations) && Number.isSafeInteger(p.parallelism);
  if (!ints || p.iterations < 1 || p.parallelism < 1 || p.memoryKiB < 8 * p.parallelism) {
    throw new LatchkeyError('invalid_input', 'The argon2id parameters are out of range.');
  }
  const L = ARGON2ID_LIMITS;
  if (p.memoryKiB > L.maxMemoryKiB || p.iterations > L.maxIterations || p.parallelism > L.maxParallelism || p.memoryKiB * p.iterations > L.maxWorkKiB) {
    throw new LatchkeyError(
      'kdf_too_costly',
      `The password KDF parameters exceed the ceiling (at most ${L.maxMemoryKiB / 1024} MiB, ${L.maxIterations} passes, ${L.maxParallelism} lanes, memory x passes at most ${L.maxWorkKiB / 1024} MiB).`,
    );
  }
}

export function checkArgon2idParams(p: Argon2idParams, floor: Argon2idParams): void {
  checkArgon2idBounds(p);
  if (p.memoryKiB < floor.memoryKiB || p.iterations < floor.iterations) {
    throw new LatchkeyError('kdf_too_weak', `The password KDF parameters are below the minimum (m=${floor.memoryKiB} KiB, t=${floor.iterations}).`);
  }
}
