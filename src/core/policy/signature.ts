/**
 * Signing and verifying policy files (format: docs/policy.md "Signed policy file").
 *
 *   signature = Ed25519(orgSecretKey, UTF-8(JCS(policy)))     JCS = RFC 8785
 *   keyId     = lower-case hex of the first 8 bytes of SHA-256(raw 32-byte public key)
 *
 * Verification order is fixed and each step fails with its own reason, so IT can tell
 * a tampered file from a wrong key from a stale app: JSON → envelope → key id →
 * signature → version → schema. The policy is not interpreted before its signature
 * checks out. Pure: text in, Policy out; the caller reads files.
 */
import { jcsBytes, type JsonValue } from '../audit/jcs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { LatchkeyError } from '../../shared/errors';
import {
  POLICY_VERSION,
  orgPublicKeySchema,
  orgSigningKeySchema,
  policySchema,
  signedPolicyEnvelopeSchema,
  type OrgPublicKeyFile,
  type OrgSigningKeyFile,
  type Policy,
  type SignedPolicyEnvelope,
} from '../../shared/policy';
import { fromBase64url, toBase64url } from './base64url';
import { tryParseStrictJson } from '../../shared/encoding/strict-json';

/** Why a policy file was refused; also `details.reason` of the policy_invalid error. */
export type PolicyInvalidReason =
  | 'malformed'
  | 'too_large'
  | 'unsigned'
  | 'envelope'
  | 'wrong_key'
  | 'bad_signature'
  | 'future_version'
  | 'unknown_version'
  | 'invalid'
  | 'bad_key'
  | 'no_pinned_key'
  | 'missing'
  | 'conflict'
  | 'unreadable'
  | 'rolled_back'
  | 'rollback_unchecked';

/** A policy file is small; anything bigger is refused before parsing. */
export const MAX_POLICY_BYTES = 256 * 1024;

export interface PinnedOrgKey {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
}

export function policyInvalid(file: string, reason: PolicyInvalidReason, message: string): LatchkeyError {
  return new LatchkeyError('policy_invalid', message, { file, reason });
}

export function keyIdOf(publicKey: Uint8Array): string {
  return bytesToHex(sha256(publicKey).subarray(0, 8));
}

/** The exact bytes that are signed. Throws on values JSON cannot carry canonically. */
/** The one canonical JSON (RFC 8785, src/core/audit/jcs.ts) audit records, checkpoints and manifests use too. */
export function canonicalPolicyBytes(policy: unknown): Uint8Array {
  return jcsBytes(policy as JsonValue);
}

/** A fresh org policy key pair. `seed` (32 bytes) only for tests. */
export function generateOrgKeyPair(seed?: Uint8Array): { signingKey: OrgSigningKeyFile; publicKey: OrgPublicKeyFile } {
  const { secretKey, publicKey } = ed25519.keygen(seed);
  const keyId = keyIdOf(publicKey);
  const result = {
    signingKey: { format: 'latchkey-org-policy-signing-key', version: 1, algorithm: 'Ed25519', keyId, secretKey: toBase64url(secretKey) } as const,
    publicKey: { format: 'latchkey-org-policy-key', version: 1, algorithm: 'Ed25519', keyId, publicKey: toBase64url(publicKey) } as const,
  };
  secretKey.fill(0);
  return result;
}

/**
 * Signs a policy after checking it against the schema: IT should learn about a typo
 * when signing, not from a fleet of laptops refusing to open.
 */
export function signPolicy(policy: unknown, signingKey: OrgSigningKeyFile): SignedPolicyEnvelope {
  const parsed = policySchema.safeParse(policy);
  if (!parsed.success) {
    throw new LatchkeyError('invalid_input', `The policy is invalid and was not signed: ${describeIssues(parsed.error.issues)}`);
  }
  const secret = fromBase64url(signingKey.secretKey);
  if (!secret || secret.length !== 32) throw new LatchkeyError('invalid_input', 'The signing key file is damaged.');
  try {
    const publicKey = ed25519.getPublicKey(secret);
    if (keyIdOf(publicKey) !== signingKey.keyId) {
      throw new LatchkeyError('invalid_input', 'The signing key file is damaged: its keyId does not match its key.');
    }
    // Sign what the schema accepted as written (not a re-serialisation with defaults).
    const signature = ed25519.sign(canonicalPolicyBytes(policy), secret);
    return { policy, keyId: signingKey.keyId, signature: toBase64url(signature) };
  } finally {
    secret.fill(0);
  }
}

/** Reads org.pub / resources/org-policy-key. Lines starting with # are comments; an empty slot returns null. */
export function parseOrgPublicKey(text: string, file: string): PinnedOrgKey | null {
  const body = text
    .split(/\r?\n/)
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .trim();
  if (body === '') return null;
  // Strict: a key file with a repeated member name (two "publicKey"s) is refused, not read last-value-wins.
  const strict = tryParseStrictJson(body);
  if (!strict.ok) throw policyInvalid(file, 'bad_key', `The org policy key ${file} is not valid JSON (${strict.message}).`);
  const parsed = orgPublicKeySchema.safeParse(strict.value);
  if (!parsed.success) throw policyInvalid(file, 'bad_key', `The org policy key ${file} is not a Latchkey org public key: ${describeIssues(parsed.error.issues)}`);
  const publicKey = fromBase64url(parsed.data.publicKey);
  if (!publicKey || publicKey.length !== 32 || keyIdOf(publicKey) !== parsed.data.keyId) {
    throw policyInvalid(file, 'bad_key', `The org policy key ${file} is damaged: its keyId does not match its key.`);
  }
  return { keyId: parsed.data.keyId, publicKey };
}

export function parseOrgSigningKey(text: string, file: string): OrgSigningKeyFile {
  // Strict, as every key file. The parser's message names a member, never a value: safe for key material.
  const strict = tryParseStrictJson(text);
  if (!strict.ok) throw new LatchkeyError('invalid_input', `The signing key ${file} is not valid JSON (${strict.message}).`, { reason: strict.reason });
  const parsed = orgSigningKeySchema.safeParse(strict.value);
  // Never echo the file: it is key material.
  if (!parsed.success) throw new LatchkeyError('invalid_input', `The signing key ${file} is not a Latchkey org signing key (generate one with "latchkey policy keygen").`);
  return parsed.data;
}

/**
 * Verifies a signed policy file's text against the pinned org key and returns the
 * policy. Every failure is a 'policy_invalid' LatchkeyError naming `file` and why.
 */
export function verifySignedPolicyText(text: string, pinned: PinnedOrgKey, file: string): Policy {
  if (text.length > MAX_POLICY_BYTES) {
    throw policyInvalid(file, 'too_large', `Policy file ${file} is larger than ${MAX_POLICY_BYTES} bytes; a policy is a few kilobytes.`);
  }
  // Strict (src/shared/encoding/strict-json.ts): a repeated member name is refused, not read last-value-wins.
  const strict = tryParseStrictJson(text);
  if (!strict.ok) throw policyInvalid(file, 'malformed', `Policy file ${file} is not valid JSON (${strict.message}).`);
  const json = strict.value;
  const envelope = signedPolicyEnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    const obj = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
    if (obj && !('signature' in obj)) {
      throw policyInvalid(
        file,
        'unsigned',
        `Policy file ${file} is not signed. IT must distribute the signed file made by "latchkey policy sign" ({ "policy", "keyId", "signature" }).`,
      );
    }
    throw policyInvalid(file, 'envelope', `Policy file ${file} is not a valid signed policy: ${describeIssues(envelope.error.issues)}.`);
  }
  const { policy, keyId, signature } = envelope.data;
  if (keyId !== pinned.keyId) {
    throw policyInvalid(file, 'wrong_key', `Policy file ${file} is signed by key ${keyId}, but this build trusts only the org policy key ${pinned.keyId}.`);
  }
  const sig = fromBase64url(signature);
  let good = false;
  try {
    // zip215: false = strict RFC 8032 verification (no malleable encodings accepted).
    good = sig !== null && sig.length === 64 && ed25519.verify(sig, canonicalPolicyBytes(policy), pinned.publicKey, { zip215: false });
  } catch {
    good = false;
  }
  if (!good) {
    throw policyInvalid(file, 'bad_signature', `Policy file ${file} does not match its signature: it was changed after signing or signed by another key.`);
  }
  const version = typeof policy === 'object' && policy !== null ? (policy as { version?: unknown }).version : undefined;
  if (typeof version === 'number' && Number.isInteger(version) && version > POLICY_VERSION) {
    throw policyInvalid(
      file,
      'future_version',
      `Policy file ${file} is policy version ${version}; this Latchkey understands version ${POLICY_VERSION} only. Update Latchkey or ask IT for a version ${POLICY_VERSION} policy.`,
    );
  }
  if (version !== POLICY_VERSION) {
    throw policyInvalid(file, 'unknown_version', `Policy file ${file} has no valid "version" (this Latchkey understands version ${POLICY_VERSION}).`);
  }
  const parsed = policySchema.safeParse(policy);
  if (!parsed.success) {
    throw policyInvalid(file, 'invalid', `Policy file ${file} is signed but invalid: ${describeIssues(parsed.error.issues)}.`);
  }
  return parsed.data;
}

/** "unlock.minEnrolledKeys: Too big…; gateway: Unrecognized key…" — at most three, each short. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const parts = issues.slice(0, 3).map((i) => {
    const path = i.path.map(String).join('.');
    return `${path === '' ? '(top level)' : path}: ${i.message.slice(0, 160)}`;
  });
  if (issues.length > 3) parts.push(`and ${issues.length - 3} more`);
  return parts.join('; ');
}
