/**
 * The signing format in docs/policy.md is exactly what the code does: an independent
 * implementation (node:crypto Ed25519 + a hand-written canonical form) agrees.
 */
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyIdOf, signPolicy, verifySignedPolicyText } from '../../../src/core/policy';
import { fromBase64url, toBase64url } from '../../../src/core/policy/base64url';
import { basePolicy, orgKeys, pinned } from './helpers';

const rawPublic = Buffer.from(orgKeys.publicKey.publicKey, 'base64url');

describe('signed policy file format', () => {
  it('signature = Ed25519 over UTF-8 of the RFC 8785 canonical JSON of "policy"', () => {
    const policy = { version: 1, org: { serverUrl: 'https://x.test', name: 'Zürich Ops' }, export: { allowed: false } };
    const env = signPolicy(policy, orgKeys.signingKey);
    // Hand-written JCS: keys sorted by UTF-16 code units, no whitespace.
    const canonical = '{"export":{"allowed":false},"org":{"name":"Zürich Ops","serverUrl":"https://x.test"},"version":1}';
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: orgKeys.publicKey.publicKey }, format: 'jwk' });
    expect(nodeVerify(null, Buffer.from(canonical, 'utf8'), key, Buffer.from(env.signature, 'base64url'))).toBe(true);
  });

  it('a file signed by another implementation verifies here, pretty-printed or not', () => {
    const priv = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: orgKeys.publicKey.publicKey, d: orgKeys.signingKey.secretKey },
      format: 'jwk',
    });
    const canonical = '{"org":{"name":"Acme Corp","serverUrl":"https://latchkey.acme.test"},"version":1}';
    const signature = nodeSign(null, Buffer.from(canonical, 'utf8'), priv).toString('base64url');
    const text = JSON.stringify({ signature, keyId: pinned.keyId, policy: { version: 1, org: { serverUrl: 'https://latchkey.acme.test', name: 'Acme Corp' } } }, null, 4);
    expect(verifySignedPolicyText(text, pinned, 'f')).toEqual(basePolicy);
  });

  it('keyId = hex of the first 8 bytes of SHA-256(raw public key)', () => {
    expect(keyIdOf(rawPublic)).toBe(createHash('sha256').update(rawPublic).digest('hex').slice(0, 16));
    expect(orgKeys.publicKey.keyId).toBe(keyIdOf(rawPublic));
  });

  it('base64url is unpadded and canonical (no two spellings of one signature)', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const text = toBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64url(text)).toEqual(bytes);
    }
    expect(fromBase64url('AB')).toBeNull(); // non-zero trailing bits
    expect(fromBase64url('AA==')).toBeNull();
    expect(fromBase64url('A')).toBeNull();
  });

  it('signPolicy refuses an invalid policy instead of signing it', () => {
    expect(() => signPolicy({ ...basePolicy, gateway: { enabld: false } }, orgKeys.signingKey)).toThrow(/not signed/);
  });
});
