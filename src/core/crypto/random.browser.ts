/**
 * RandomSource over Web Crypto's getRandomValues, present in browsers, workers and
 * Node >= 19 alike. getRandomValues fills at most 65,536 bytes per call.
 */
import type { RandomSource } from './random';

export function createWebCryptoRandom(): RandomSource {
  return {
    bytes(length: number): Uint8Array {
      // Its own ArrayBuffer: random bytes often become keys (see offHeap in bytes.ts).
      const out = new Uint8Array(new ArrayBuffer(length));
      for (let off = 0; off < length; off += 65_536) {
        globalThis.crypto.getRandomValues(out.subarray(off, Math.min(length, off + 65_536)));
      }
      return out;
    },
  };
}
