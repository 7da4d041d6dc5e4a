/**
 * encodeAad writes the AAD into one buffer with ASCII fields copied char by char (a hot
 * path: two envelopes per item in the scrub matcher's build). Every envelope ever
 * sealed must still open, so the bytes must be exactly docs/vault-format.md §2.1:
 * "LK" 0x01 || header || f(context) || f(vaultId) || f(objectId) || u32be(version) ||
 * f(part) || f(extra), f(x) = u8 length || UTF-8 bytes — built here the plain way.
 */
import { describe, expect, it } from 'vitest';
import { encodeAad, open, seal, type AadFields } from '../../../src/core/crypto/aead';
import { createWebCryptoRandom } from '../../../src/core/crypto/random.browser';

const f = (b: Uint8Array) => [b.length, ...b];
const utf8 = (s: string) => new TextEncoder().encode(s);

function reference(a: AadFields, header: number[]): Uint8Array {
  const v = a.version;
  return new Uint8Array([
    0x4c,
    0x4b,
    0x01,
    ...header,
    ...f(utf8(a.context)),
    ...f(utf8(a.vaultId)),
    ...f(utf8(a.objectId)),
    v >>> 24,
    (v >>> 16) & 0xff,
    (v >>> 8) & 0xff,
    v & 0xff,
    ...f(utf8(a.part)),
    ...f(a.extra ?? new Uint8Array(0)),
  ]);
}

const cases: AadFields[] = [
  { context: 'item', vaultId: 'v'.repeat(22), objectId: 'Abc-_0123456789xyzXYZ0', version: 1, part: 'details' },
  { context: 'page', vaultId: 'Q7_-aaaaaaaaaaaaaaaaaa', objectId: '63', version: 0xffffffff, part: 'overviews' },
  { context: 'settings', vaultId: 'x', objectId: '', version: 0, part: 'settings' },
  { context: 'slot', vaultId: 'vault', objectId: 'slot', version: 7, part: 'vk', extra: new Uint8Array([1, 2, 3, 255]) },
  // Not what the engine writes, but the encoding is defined for any string: non-ASCII takes UTF-8.
  { context: 'item', vaultId: 'vät-☃', objectId: '𝄞', version: 65536, part: 'détails', extra: new Uint8Array(255).fill(9) },
];

describe('encodeAad', () => {
  it('gives the documented bytes for ASCII and non-ASCII fields, with and without extra', () => {
    for (const a of cases) {
      expect(encodeAad(a)).toEqual(reference(a, [0x01, 0x01]));
      expect(encodeAad(a, new Uint8Array([0x01, 0x02]))).toEqual(reference(a, [0x01, 0x02]));
    }
  });

  it('refuses a field longer than 255 bytes, counted in UTF-8 bytes', () => {
    const base = cases[0]!;
    expect(() => encodeAad({ ...base, objectId: 'a'.repeat(256) })).toThrow(/too long/);
    expect(() => encodeAad({ ...base, objectId: 'é'.repeat(128) })).toThrow(/too long/);
    expect(() => encodeAad({ ...base, extra: new Uint8Array(256) })).toThrow(/too long/);
    expect(encodeAad({ ...base, objectId: 'a'.repeat(255) }).length).toBe(reference({ ...base, objectId: 'a'.repeat(255) }, [1, 1]).length);
  });

  it('seal and open still bind every field: a change to any one fails to open', () => {
    const random = createWebCryptoRandom();
    const key = random.bytes(32);
    const a = cases[0]!;
    const env = seal(key, utf8('secret'), a, random);
    expect(new TextDecoder().decode(open(key, env, a))).toBe('secret');
    for (const other of [
      { ...a, vaultId: 'w'.repeat(22) },
      { ...a, objectId: 'Abc-_0123456789xyzXYZ1' },
      { ...a, version: 2 },
      { ...a, part: 'overview' },
      { ...a, extra: new Uint8Array([0]) },
    ]) {
      expect(() => open(key, env, other)).toThrow();
    }
  });
});
