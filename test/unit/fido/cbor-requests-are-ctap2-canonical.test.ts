/**
 * CTAP2 canonical CBOR (CTAP 2.1 §8): integer keys before text keys, ascending by
 * encoded form (so 1, 2, 3, -1, -2, -3), shorter text keys first, shortest integer
 * encodings, definite lengths. Keys reject requests that break it.
 */
import { describe, expect, it } from 'vitest';
import { cborEncode, type CborValue } from '../../../src/main/fido/cbor';
import { coseKeyFromPoint } from '../../../src/main/fido/pin-protocol';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('CTAP2 canonical CBOR', () => {
  it('sorts integer keys 1, 2, 3, -1, -2, -3 as a COSE key needs', () => {
    const pt = new Uint8Array(65).fill(7);
    pt[0] = 4;
    const enc = cborEncode(coseKeyFromPoint(pt));
    // a5 | 01 02 | 03 38 18 | 20 01 | 21 58 20 .. | 22 58 20 ..
    expect(hex(enc.subarray(0, 8))).toBe('a5010203381820' + '01');
    expect(hex(enc.subarray(8, 11))).toBe('215820');
    expect(hex(enc.subarray(43, 46))).toBe('225820');
  });

  it('orders text keys by length, then bytewise, and uses the shortest integer forms', () => {
    const m = new Map<string, CborValue>([
      ['uv', true],
      ['hmac-secret', true],
      ['up', false],
      ['credProtect', 2],
      ['rk', false],
    ]);
    expect(hex(cborEncode(m))).toBe(
      'a5' + '6272 6bf4'.replace(/ /g, '') + '627570f4' + '627576f5' + '6b63726564 50726f74656374 02'.replace(/ /g, '') + '6b686d61632d736563726574f5',
    );
    expect(
      hex(
        cborEncode(
          new Map<number, CborValue>([
            [24, 255],
            [23, 256],
          ]),
        ),
      ),
    ).toBe('a2' + '17190100' + '181818ff');
  });
});
