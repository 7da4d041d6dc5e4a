/**
 * Attestation of a new credential, checked when policy restricts authenticators
 * (docs/hardware-key.md "Attestation"). The question answered is "which model is
 * this, according to a maker the organisation trusts?", never "which model does the
 * key say it is": the AAGUID policy compares comes from a certificate that chains to
 * a root the policy pins.
 *
 * Accepted: "packed" with x5c (WebAuthn §8.2) and "fido-u2f" (§8.6). Refused: packed
 * self attestation (signed by the credential's own key, so it proves no model — the
 * signature is still checked, so a forged one is reported as such), "none", and every
 * other format. Each failure is an {@link AttestationRefused} with a reason.
 */
import { concatBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import type { AttestationRequirement } from '../../core/policy';
import { AttestationRefused } from './attestation-error';
import { certAaguid, certKey, checkPackedLeaf, parseDeviceCert, parseRoots, verifyPath, type Certificate } from './attestation-certs';
import { aaguidText } from './ctap2';
import { COSE_ALG, coseKeyObject, verifyCoseSignature, type CosePublicKey } from './cose-key';

/** What MakeCredential returned, as signed: the statement and the exact bytes it covers. */
export interface AttestationObject {
  fmt: string;
  attStmt: Record<string, unknown>;
  /** Raw authenticator data, as the key sent it (the signature covers these bytes). */
  authData: Uint8Array;
  clientDataHash: Uint8Array;
}

/** The parts of the parsed authenticator data attestation needs. */
export interface AttestedCredential {
  rpIdHash: Uint8Array;
  aaguid: Uint8Array;
  credentialId: Uint8Array;
  credentialPublicKey: CosePublicKey;
}

export interface VerifiedAttestation {
  fmt: 'packed' | 'fido-u2f';
  /** The model, as the verified certificate vouches for it (see {@link verifyAttestation}). */
  aaguid: Uint8Array;
}

/** What a format proved; aaguid null = the statement vouches for no model (fido-u2f without the extension). */
type Proven = { fmt: VerifiedAttestation['fmt']; aaguid: Uint8Array | null };

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes');
const sig = bytes.refine((b) => b.length >= 1 && b.length <= 1024);
const x5c = z.array(bytes).min(1).max(5);
// Strict: ecdaaKeyId (removed from WebAuthn) or any unknown member is refused.
const packedSchema = z.strictObject({ alg: z.number().int(), sig, x5c: x5c.optional() });
const u2fSchema = z.strictObject({ sig, x5c: z.array(bytes).length(1) });

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Verifies the statement against `req` at `now` and returns the model it proves.
 * AAGUID source: the leaf certificate's id-fido-gen-ce-aaguid extension, which must
 * equal the authenticator data's AAGUID. Without the extension, packed falls back to
 * the authenticator data's AAGUID — covered by the verified signature, so vouched for
 * by the certified attestation key — while fido-u2f (whose signature does not cover
 * it) has no model: refused when the policy lists models.
 */
export async function verifyAttestation(att: AttestationObject, cred: AttestedCredential, req: AttestationRequirement, now: Date): Promise<VerifiedAttestation> {
  const org = req.org;
  if (req.roots.length === 0) throw new AttestationRefused('no_roots', org);
  const roots = parseRoots(req.roots);
  let verified: Proven;
  switch (att.fmt) {
    case 'packed':
      verified = await packed(att, cred, roots, now, org);
      break;
    case 'fido-u2f':
      verified = await fidoU2f(att, cred, roots, now, org);
      break;
    case 'none':
      throw new AttestationRefused('no_attestation', org);
    default:
      throw new AttestationRefused('unsupported_format', org);
  }
  if (req.allowedAaguids !== null) {
    if (verified.aaguid === null) throw new AttestationRefused('model_unknown', org);
    if (!req.allowedAaguids.includes(aaguidText(verified.aaguid))) throw new AttestationRefused('model_not_allowed', org);
  }
  // A fido-u2f key whose certificate names no model is recorded as "model not told" (zeros).
  return { fmt: verified.fmt, aaguid: verified.aaguid ?? new Uint8Array(16) };
}

async function packed(att: AttestationObject, cred: AttestedCredential, roots: Certificate[], now: Date, org: string): Promise<Proven> {
  const s = packedSchema.safeParse(att.attStmt);
  if (!s.success) throw new AttestationRefused('malformed', org);
  const signed = concatBytes(att.authData, att.clientDataHash);
  if (!s.data.x5c) {
    // Self attestation (§8.2 step 4): alg must be the credential key's own.
    const ok = s.data.alg === cred.credentialPublicKey.alg && verifyCoseSignature(s.data.alg, coseKeyObject(cred.credentialPublicKey), signed, s.data.sig);
    throw new AttestationRefused(ok ? 'self_attestation' : 'bad_signature', org);
  }
  const [leaf, ...rest] = s.data.x5c.map((der) => parseDeviceCert(der, org));
  checkPackedLeaf(leaf!, org);
  if (!verifyCoseSignature(s.data.alg, certKey(leaf!, org), signed, s.data.sig)) throw new AttestationRefused('bad_signature', org);
  await verifyPath(leaf!, rest, roots, now, org);
  const fromCert = certAaguid(leaf!, org);
  if (fromCert && !sameBytes(fromCert, cred.aaguid)) throw new AttestationRefused('aaguid_mismatch', org);
  return { fmt: 'packed', aaguid: fromCert ?? cred.aaguid };
}

async function fidoU2f(att: AttestationObject, cred: AttestedCredential, roots: Certificate[], now: Date, org: string): Promise<Proven> {
  const s = u2fSchema.safeParse(att.attStmt);
  if (!s.success) throw new AttestationRefused('malformed', org);
  const leaf = parseDeviceCert(s.data.x5c[0]!, org);
  const key = certKey(leaf, org);
  const k = cred.credentialPublicKey;
  // §8.6 steps 2-3: P-256 attestation key and an ES256 (P-256) credential key.
  if (k.kty !== 'EC2') throw new AttestationRefused('bad_signature', org);
  const publicKeyU2F = concatBytes(new Uint8Array([0x04]), k.x, k.y);
  const verificationData = concatBytes(new Uint8Array([0x00]), cred.rpIdHash, att.clientDataHash, cred.credentialId, publicKeyU2F);
  if (!verifyCoseSignature(COSE_ALG.ES256, key, verificationData, s.data.sig)) throw new AttestationRefused('bad_signature', org);
  await verifyPath(leaf, [], roots, now, org);
  const fromCert = certAaguid(leaf, org);
  if (fromCert && !sameBytes(fromCert, cred.aaguid)) throw new AttestationRefused('aaguid_mismatch', org);
  return { fmt: 'fido-u2f', aaguid: fromCert };
}
