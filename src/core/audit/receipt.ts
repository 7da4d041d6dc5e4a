/**
 * Approval receipts (docs/audit-format.md §1.5): the request digest, the FIDO client
 * data hash derived from it, and the offline check of a security key's assertion. Pure
 * (noble only), so the gateway, the engine and every verifier compute the same bytes.
 *
 *   digest         = SHA-256(UTF8(JCS(request)))
 *   clientDataHash = SHA-256(UTF8("latchkey-approval-v1") || digest bytes)
 *   signed bytes   = authenticatorData || clientDataHash        (WebAuthn §6.3.3)
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { APPROVAL_CLIENT_DATA_CONTEXT, type ApprovalKey, type ApprovalReceipt, type ApprovalRequest } from '../../shared/contracts/approval-receipt';
import { decodeBase64urlOrNull } from '../../shared/encoding/base64url';
import { concatBytes, constantTimeEqual, utf8ToBytes } from '../crypto/bytes';
import { canonicalizeJcs, type JsonValue } from './jcs';

/** WebAuthn authenticator data flags (§6.1). */
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;

export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/**
 * Lowercase hex SHA-256 of the bytes. The functions below take one so a runtime with a
 * native SHA-256 (main's node:crypto) can use it on its hot path; core itself stays
 * runtime-neutral with noble's. Any correct SHA-256 gives the same digests.
 */
export type Sha256Hex = (bytes: Uint8Array) => string;

/** The digest a receipt is bound to: lowercase hex SHA-256 of the request's JCS text. */
export function approvalRequestDigest(request: ApprovalRequest, hex: Sha256Hex = sha256Hex): string {
  return hex(utf8ToBytes(canonicalizeJcs(request)));
}

/** What the security key signs over (as WebAuthn's clientDataHash), from the request digest. */
export function approvalClientDataHash(digestHex: string): Uint8Array {
  return sha256(concatBytes(utf8ToBytes(APPROVAL_CLIENT_DATA_CONTEXT), hexToBytes(digestHex)));
}

/** SHA-256 of the JCS of the agent's headers (names already lower-cased by the gateway). */
export function headersHash(headers: Readonly<Record<string, string>>, hex: Sha256Hex = sha256Hex): string {
  return jcsHash(headers, hex);
}

/** Lowercase hex SHA-256 of UTF8(JCS(value)): argv, env names, downstream arguments. */
export function jcsHash(value: JsonValue, hex: Sha256Hex = sha256Hex): string {
  return hex(utf8ToBytes(canonicalizeJcs(value)));
}

/** The env names a run_command credential goes into, as hashed: sorted (UTF-16 code units, as JCS sorts), no repeats. */
export function envNamesHash(names: readonly string[], hex: Sha256Hex = sha256Hex): string {
  return jcsHash([...new Set(names)].sort(), hex);
}

export type TouchFailure = 'bad_encoding' | 'wrong_credential' | 'wrong_rp' | 'no_presence' | 'no_verification' | 'bad_signature';

/**
 * Checks a touch (assertion) against the enrolled key for the digest: canonical encodings,
 * the credential id, rpIdHash, the UP flag (and UV when asked), then the signature over
 * authenticatorData || clientDataHash. Returns null when it holds, else why not.
 */
export function checkTouch(key: ApprovalKey, touch: NonNullable<ApprovalReceipt['touch']>, digestHex: string, requireUv = false): TouchFailure | null {
  const credentialId = decodeBase64urlOrNull(touch.credentialId);
  const authData = decodeBase64urlOrNull(touch.authenticatorData);
  const signature = decodeBase64urlOrNull(touch.signature);
  const enrolledId = decodeBase64urlOrNull(key.credentialId);
  if (!credentialId || !authData || !signature || !enrolledId || authData.length < 37) return 'bad_encoding';
  if (!constantTimeEqual(credentialId, enrolledId)) return 'wrong_credential';
  if (!constantTimeEqual(authData.subarray(0, 32), sha256(utf8ToBytes(key.rpId)))) return 'wrong_rp';
  const flags = authData[32]!;
  if ((flags & FLAG_UP) === 0) return 'no_presence';
  if (requireUv && (flags & FLAG_UV) === 0) return 'no_verification';
  const signed = concatBytes(authData, approvalClientDataHash(digestHex));
  return verifySignature(key, signature, signed) ? null : 'bad_signature';
}

function verifySignature(key: ApprovalKey, signature: Uint8Array, message: Uint8Array): boolean {
  try {
    const pk = key.publicKey;
    if (pk.kty === 'EC') {
      const x = decodeBase64urlOrNull(pk.x);
      const y = decodeBase64urlOrNull(pk.y);
      if (!x || !y || x.length !== 32 || y.length !== 32 || key.alg !== -7) return false;
      // ES256 as WebAuthn: ECDSA over SHA-256(message), DER signature; authenticators may emit high-S.
      return p256.verify(signature, message, concatBytes(new Uint8Array([4]), x, y), { format: 'der', lowS: false });
    }
    const x = decodeBase64urlOrNull(pk.x);
    if (!x || x.length !== 32 || signature.length !== 64 || key.alg !== -8) return false;
    return ed25519.verify(signature, message, x, { zip215: false });
  } catch {
    return false;
  }
}

/** The request's digest as the receipt states it, re-computed: equal or not (constant time). */
export function digestMatches(receipt: ApprovalReceipt): boolean {
  return constantTimeEqual(utf8ToBytes(approvalRequestDigest(receipt.request)), utf8ToBytes(receipt.digest));
}
