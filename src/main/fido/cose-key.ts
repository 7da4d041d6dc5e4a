/**
 * COSE public keys (RFC 9052 §7, RFC 9053) as a new credential's attested data carries
 * them, and the signature checks attestation needs (WebAuthn §6.5.5: ECDSA signatures
 * are ASN.1 DER; EdDSA raw; RSASSA-PKCS1-v1_5). Only the three algorithms WebAuthn
 * authenticators use in practice are accepted: ES256 (P-256), EdDSA (Ed25519) and
 * RS256 (≥ 2048-bit modulus). node:crypto does the maths and rejects points that are
 * not on the curve when a key is imported.
 */
import { createPublicKey, verify, constants, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import { plain } from './ctap2-schema';

export const COSE_ALG = { ES256: -7, EdDSA: -8, RS256: -257 } as const;

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes');
const bytesN = (n: number) => bytes.refine((b) => b.length === n);

// Labels: 1 kty, 3 alg, -1 crv / n, -2 x / e, -3 y. Strict: a key with extra
// parameters (a private part, a key id we would ignore) is refused.
const ec2 = z.strictObject({ '1': z.literal(2), '3': z.literal(COSE_ALG.ES256), '-1': z.literal(1), '-2': bytesN(32), '-3': bytesN(32) });
const okp = z.strictObject({ '1': z.literal(1), '3': z.literal(COSE_ALG.EdDSA), '-1': z.literal(6), '-2': bytesN(32) });
const rsa = z.strictObject({
  '1': z.literal(3),
  '3': z.literal(COSE_ALG.RS256),
  '-1': bytes.refine((b) => b.length >= 256 && b.length <= 1024),
  '-2': bytes.refine((b) => b.length >= 1 && b.length <= 8),
});

/** A credential public key, typed; `cose` is the decoded map as the key sent it. */
export type CosePublicKey =
  | { kty: 'EC2'; alg: typeof COSE_ALG.ES256; crv: 'P-256'; x: Uint8Array; y: Uint8Array }
  | { kty: 'OKP'; alg: typeof COSE_ALG.EdDSA; crv: 'Ed25519'; x: Uint8Array }
  | { kty: 'RSA'; alg: typeof COSE_ALG.RS256; n: Uint8Array; e: Uint8Array };

function badKey(): LatchkeyError {
  return new LatchkeyError('fido_device', 'The security key sent a credential public key Latchkey cannot use.', { reason: 'cose_key' });
}

/** Parses the decoded COSE_Key of authenticator data (`AuthData.attested.publicKey`). */
export function parseCoseKey(decoded: unknown): CosePublicKey {
  const v = plain(decoded);
  const e = ec2.safeParse(v);
  if (e.success) return { kty: 'EC2', alg: COSE_ALG.ES256, crv: 'P-256', x: e.data['-2'], y: e.data['-3'] };
  const o = okp.safeParse(v);
  if (o.success) return { kty: 'OKP', alg: COSE_ALG.EdDSA, crv: 'Ed25519', x: o.data['-2'] };
  const r = rsa.safeParse(v);
  if (r.success) return { kty: 'RSA', alg: COSE_ALG.RS256, n: r.data['-1'], e: r.data['-2'] };
  throw badKey();
}

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** The key as a node:crypto KeyObject (import validates the point / modulus). */
export function coseKeyObject(k: CosePublicKey): KeyObject {
  try {
    switch (k.kty) {
      case 'EC2':
        return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(k.x), y: b64u(k.y) }, format: 'jwk' });
      case 'OKP':
        return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(k.x) }, format: 'jwk' });
      case 'RSA':
        return createPublicKey({ key: { kty: 'RSA', n: b64u(k.n), e: b64u(k.e) }, format: 'jwk' });
    }
  } catch {
    throw badKey();
  }
}

/** Whether `key` is of the type `alg` needs (P-256 for ES256, Ed25519, RSA ≥ 2048 bits). */
export function keyFitsAlg(key: KeyObject, alg: number): boolean {
  const d = key.asymmetricKeyDetails;
  switch (alg) {
    case COSE_ALG.ES256:
      return key.asymmetricKeyType === 'ec' && d?.namedCurve === 'prime256v1';
    case COSE_ALG.EdDSA:
      return key.asymmetricKeyType === 'ed25519';
    case COSE_ALG.RS256:
      return key.asymmetricKeyType === 'rsa' && (d?.modulusLength ?? 0) >= 2048;
    default:
      return false;
  }
}

/** Verifies `sig` over `data` with `alg`; false for a wrong key type, a malformed or a wrong signature. */
export function verifyCoseSignature(alg: number, key: KeyObject, data: Uint8Array, sig: Uint8Array): boolean {
  if (!keyFitsAlg(key, alg)) return false;
  try {
    switch (alg) {
      case COSE_ALG.ES256:
        return verify('sha256', data, { key, dsaEncoding: 'der' }, sig);
      case COSE_ALG.EdDSA:
        return verify(null, data, key, sig);
      case COSE_ALG.RS256:
        return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
      default:
        return false;
    }
  } catch {
    return false;
  }
}
