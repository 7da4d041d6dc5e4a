/** RFC 6238 Appendix B test vectors (8 digits, 30 s), plus otpauth parsing. */
import { describe, expect, it } from 'vitest';
import { base32Decode, parseTotp, totpAt } from '../../../src/core/items/totp';

const seeds = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
} as const;
const vectors: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP matches RFC 6238 Appendix B', () => {
  for (const [t, s1, s256, s512] of vectors) {
    it(`T=${t}`, () => {
      const at = (alg: keyof typeof seeds) => totpAt({ secret: new TextEncoder().encode(seeds[alg]), algorithm: alg, digits: 8, period: 30 }, t * 1000).code;
      expect([at('SHA1'), at('SHA256'), at('SHA512')]).toEqual([s1, s256, s512]);
    });
  }

  it('reads otpauth URIs and bare base32 seeds', () => {
    const b32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
    expect(new TextDecoder().decode(base32Decode(b32))).toBe(seeds.SHA1);
    const bare = parseTotp(b32.toLowerCase());
    expect(totpAt(bare, 59_000)).toEqual({ code: '287082', validUntil: 60_000 });
    const uri = parseTotp(`otpauth://totp/ACME:alice?secret=${b32}&algorithm=SHA1&digits=8&period=30&issuer=ACME`);
    expect(totpAt(uri, 1111111109_000).code).toBe('07081804');
    expect(() => parseTotp('otpauth://hotp/x?secret=AAAA')).toThrow();
    expect(() => parseTotp('not base32 !')).toThrow();
  });
});
