/**
 * Known-answer tests from the specifications, run through OUR wrappers/adapters.
 * - XChaCha20-Poly1305: draft-irtf-cfrg-xchacha-03 §A.3.1.
 * - argon2id: RFC 9106 §5.3 (with secret K and associated data X: argon2-browser
 *   passes both through to the reference implementation).
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { bytesToHex, hexToBytes } from '@noble/ciphers/utils.js';
import { describe, expect, it } from 'vitest';
import { encodeAad, open, seal } from '../../../src/core/crypto/aead';
import { fromBase64url, toBase64url, utf8ToBytes } from '../../../src/core/crypto/bytes';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';
import type { RandomSource } from '../../../src/core/crypto/random';

const A31 = {
  key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
  nonce: '404142434445464748494a4b4c4d4e4f5051525354555657',
  aad: '50515253c0c1c2c3c4c5c6c7',
  plaintext: "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ciphertext:
    'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e',
  tag: 'c0875924c1c7987947deafd8780acf49',
};

describe('XChaCha20-Poly1305 known answer (draft-irtf-cfrg-xchacha-03 A.3.1)', () => {
  it('encrypts and decrypts the draft vector exactly', () => {
    const c = xchacha20poly1305(hexToBytes(A31.key), hexToBytes(A31.nonce), hexToBytes(A31.aad));
    expect(bytesToHex(c.encrypt(utf8ToBytes(A31.plaintext)))).toBe(A31.ciphertext + A31.tag);
    const d = xchacha20poly1305(hexToBytes(A31.key), hexToBytes(A31.nonce), hexToBytes(A31.aad));
    expect(new TextDecoder().decode(d.decrypt(hexToBytes(A31.ciphertext + A31.tag)))).toBe(A31.plaintext);
  });

  it('our envelope is 0x01 0x01 || nonce || the draft ciphertext+tag for the same key, nonce and AAD', () => {
    const fixedNonce: RandomSource = { bytes: () => hexToBytes(A31.nonce) };
    const aad = { context: 'item' as const, vaultId: 'v', objectId: 'o', version: 7, part: 'details' };
    const env = seal(hexToBytes(A31.key), utf8ToBytes(A31.plaintext), aad, fixedNonce);
    expect(bytesToHex(env.subarray(0, 26))).toBe(`0101${A31.nonce}`);
    const expected = xchacha20poly1305(hexToBytes(A31.key), hexToBytes(A31.nonce), encodeAad(aad)).encrypt(utf8ToBytes(A31.plaintext));
    expect(bytesToHex(env.subarray(26))).toBe(bytesToHex(expected));
    expect(new TextDecoder().decode(open(hexToBytes(A31.key), env, aad))).toBe(A31.plaintext);
  });

  it('encodes the AAD exactly as docs/vault-format.md §2 says', () => {
    const aad = encodeAad({ context: 'slot', vaultId: 'AB', objectId: 'x', version: 0x01020304, part: 'password', extra: new Uint8Array([9, 9]) });
    expect(bytesToHex(aad)).toBe(
      '4c4b01' + '0101' + '04' + bytesToHex(utf8ToBytes('slot')) + '02' + '4142' + '01' + '78' + '01020304' + '08' + bytesToHex(utf8ToBytes('password')) + '02' + '0909',
    );
  });
});

describe('argon2id known answer (RFC 9106 §5.3) through the Node argon2-browser adapter', () => {
  it('derives the RFC tag from P=32x01, S=16x02, K=8x03, X=12x04, m=32, t=3, p=4', async () => {
    const fill = (n: number, b: number) => new Uint8Array(n).fill(b);
    const tag = await createNodeArgon2Kdf().argon2id({
      password: fill(32, 1),
      salt: fill(16, 2),
      secret: fill(8, 3),
      associatedData: fill(12, 4),
      memoryKiB: 32,
      iterations: 3,
      parallelism: 4,
      hashLength: 32,
    });
    expect(bytesToHex(tag)).toBe('0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659');
  });
});

describe('base64url', () => {
  it('round-trips every length and rejects non-canonical text', () => {
    for (let n = 0; n < 40; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      expect(fromBase64url(toBase64url(b))).toEqual(b);
      expect(toBase64url(b)).toBe(Buffer.from(b).toString('base64url'));
    }
    expect(() => fromBase64url('AB=')).toThrow();
    expect(fromBase64url('AQ')).toEqual(new Uint8Array([1]));
    expect(() => fromBase64url('AB')).toThrow(); // trailing bits set
  });
});
