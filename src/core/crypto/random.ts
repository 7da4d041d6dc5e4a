/**
 * Randomness reaches the core through this interface so the core needs no crypto
 * global (and tests can count or fix it). Implementations MUST be a CSPRNG.
 */
export interface RandomSource {
  /** Returns `length` fresh random bytes. */
  bytes(length: number): Uint8Array;
}
