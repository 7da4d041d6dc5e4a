/**
 * The server hashes each signed request's body with node:crypto while devices and the
 * admin CLI hash it with noble before signing. A different digest would refuse every
 * signed request with a body, so: fixed bodies (empty, ASCII JSON, every byte value,
 * a multi-block body) give the digest noble gives, and a published vector pins both.
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { requestBodySha256 } from '../../../src/server/http/body-digest';

const nobleDigest = (body: Uint8Array): string => bytesToHex(sha256(body));

describe('signed request body digests', () => {
  it('match the FIPS 180-2 vector for "abc" and the empty body', () => {
    expect(requestBodySha256(utf8ToBytes('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(requestBodySha256(undefined)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(requestBodySha256(new Uint8Array(0))).toBe(requestBodySha256(undefined));
  });

  it('equal the noble digest the signer computed, body for body', () => {
    const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const bodies = [
      new Uint8Array(0),
      utf8ToBytes('{"deviceId":"0b6c3f3e-2a4d-4c2e-9f61-0d3a7c1e5b2a","records":[]}'),
      allBytes,
      Uint8Array.from({ length: 70_001 }, (_, i) => (i * 31 + 7) & 0xff),
      allBytes.subarray(3, 200),
    ];
    for (const body of bodies) expect(requestBodySha256(body)).toBe(nobleDigest(body));
  });
});
