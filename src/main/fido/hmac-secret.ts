/**
 * MakeCredential and GetAssertion with the hmac-secret extension (CTAP 2.1 §12.5).
 *
 * The credential holds two random secrets, CredRandomWithUV and CredRandomWithoutUV;
 * the output is HMAC-SHA-256(CredRandom, salt) for whichever matches the UV flag of
 * the assertion. So a caller must ask with the same UV setting it enrolled with, and
 * we check the UV flag of the answer before returning a secret.
 *
 * Salts arrive as WebAuthn PRF inputs and go through {@link prfSalt} here, so a
 * WebAuthn-PRF backend (Windows) derives the same secret from the same credential.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { PRF_CONTEXT } from '../../shared/contracts/hardware-key';
import { LatchkeyError } from '../../shared/errors';
import type { CborValue } from './cbor';
import { keyAgreement } from './client-pin';
import type { AttestationObject } from './attestation';
import { parseCoseKey, type CosePublicKey } from './cose-key';
import { CMD, CtapStatusError, STATUS, type Ctap2Client } from './ctap2';
import { FLAG_UV, getAssertionResponseSchema, makeCredentialResponseSchema, parseAuthData, parseCbor } from './ctap2-schema';
import type { TransactOptions } from './ctaphid';
import type { PinProtocol } from './pin-protocol';

type Random = (n: number) => Uint8Array;

/** WebAuthn L3 PRF: salt = SHA-256("WebAuthn PRF" || 0x00 || input). */
export function prfSalt(input: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8ToBytes(PRF_CONTEXT), new Uint8Array([0]), input));
}

/** How the person is verified for one command. */
export type Verification = { kind: 'none' } | { kind: 'pin'; proto: PinProtocol; token: Uint8Array } | { kind: 'builtin' };

function verificationParams(v: Verification, clientDataHash: Uint8Array, pinParamKey: number): Array<[number, CborValue]> {
  if (v.kind !== 'pin') return [];
  return [
    [pinParamKey, v.proto.authenticate(v.token, clientDataHash)],
    [pinParamKey + 1, v.proto.version],
  ];
}

function checkRp(rpIdHash: Uint8Array, rpId: string): void {
  const want = sha256(utf8ToBytes(rpId));
  if (!want.every((b, i) => b === rpIdHash[i])) {
    throw new LatchkeyError('fido_device', 'The security key answered for another site.', { reason: 'rp_id_hash' });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface MakeCredentialInput {
  rpId: string;
  userId: Uint8Array;
  userName: string;
  exclude: Uint8Array[];
  verification: Verification;
  credProtect: boolean;
}

export interface MadeCredential {
  credentialId: Uint8Array;
  /** As the key's authenticator data states it (its own word until attestation is verified). */
  aaguid: Uint8Array;
  uv: boolean;
  rpIdHash: Uint8Array;
  /** The credential's public key from the attested data (verifies its later assertions). */
  credentialPublicKey: CosePublicKey;
  /** The statement and the bytes it signs, for attestation/verify (checked only when policy asks). */
  attestation: AttestationObject;
}

export async function makeHmacCredential(client: Ctap2Client, input: MakeCredentialInput, random: Random, o: TransactOptions): Promise<MadeCredential> {
  const clientDataHash = random(32);
  const ext = new Map<string, CborValue>([['hmac-secret', true]]);
  // credProtect 2 (userVerificationOptionalWithCredentialIDList): the key hides the
  // credential from anyone who does not already know its id.
  if (input.credProtect) ext.set('credProtect', 2);
  const options: Record<string, CborValue> = { rk: false };
  if (input.verification.kind === 'builtin') options.uv = true;
  const params = new Map<number, CborValue>([
    [1, clientDataHash],
    [2, { id: input.rpId, name: 'Latchkey' }],
    [3, { id: input.userId, name: input.userName, displayName: input.userName }],
    [4, [{ alg: -7, type: 'public-key' }]],
    ...(input.exclude.length ? [[5, input.exclude.map((id) => ({ id, type: 'public-key' }))] as [number, CborValue]] : []),
    [6, ext],
    [7, options],
    ...verificationParams(input.verification, clientDataHash, 8),
  ]);
  const body = await client.call(CMD.makeCredential, params, o);
  const r = parseCbor(makeCredentialResponseSchema, body, 'new credential');
  const ad = parseAuthData(r['2']);
  checkRp(ad.rpIdHash, input.rpId);
  if (!ad.attested) throw new LatchkeyError('fido_device', 'The security key sent no credential.', { reason: 'no_attested_data' });
  if (ad.extensions?.['hmac-secret'] !== true) {
    throw new LatchkeyError('fido_no_hmac_secret', 'This security key did not enable hmac-secret for the credential; Latchkey cannot use it.');
  }
  return {
    credentialId: ad.attested.credentialId,
    aaguid: ad.attested.aaguid,
    uv: (ad.flags & FLAG_UV) !== 0,
    rpIdHash: ad.rpIdHash,
    credentialPublicKey: parseCoseKey(ad.attested.publicKey),
    attestation: { fmt: r['1'], attStmt: r['3'], authData: r['2'], clientDataHash },
  };
}

/** Silent probe (up=false, no extensions): which of `ids` lives on this key? null if none. */
export async function findCredential(client: Ctap2Client, rpId: string, ids: Uint8Array[], random: Random): Promise<Uint8Array | null> {
  for (const id of ids) {
    const params = new Map<number, CborValue>([
      [1, rpId],
      [2, random(32)],
      [3, [{ id, type: 'public-key' }]],
      [5, { up: false }],
    ]);
    try {
      await client.call(CMD.getAssertion, params, { timeoutMs: 5_000 });
      return id;
    } catch (e) {
      if (e instanceof CtapStatusError && e.status === STATUS.NO_CREDENTIALS) continue;
      throw e;
    }
  }
  return null;
}

export interface AssertionInput {
  rpId: string;
  credentialId: Uint8Array;
  /** Already PRF-transformed, 32 bytes. */
  salt: Uint8Array;
  /** Protocol for the hmac-secret key agreement. */
  proto: PinProtocol;
  verification: Verification;
}

export async function getHmacSecretOutput(client: Ctap2Client, input: AssertionInput, random: Random, o: TransactOptions): Promise<{ secret: Uint8Array; uv: boolean }> {
  if (input.salt.length !== 32) throw new LatchkeyError('invalid_input', 'hmac-secret salts are 32 bytes.');
  const a = await keyAgreement(client, input.proto, random);
  try {
    const saltEnc = input.proto.encrypt(a.shared, input.salt, random);
    const saltAuth = input.proto.authenticate(a.shared, saltEnc);
    const hs = new Map<number, CborValue>([
      [1, a.platformKey],
      [2, saltEnc],
      [3, saltAuth],
    ]);
    if (input.proto.version !== 1) hs.set(4, input.proto.version);
    const clientDataHash = random(32);
    const options: Record<string, CborValue> = { up: true };
    if (input.verification.kind === 'builtin') options.uv = true;
    const params = new Map<number, CborValue>([
      [1, input.rpId],
      [2, clientDataHash],
      [3, [{ id: input.credentialId, type: 'public-key' }]],
      [4, new Map<string, CborValue>([['hmac-secret', hs]])],
      [5, options],
      ...verificationParams(input.verification, clientDataHash, 6),
    ]);
    const body = await client.call(CMD.getAssertion, params, o);
    const r = parseCbor(getAssertionResponseSchema, body, 'assertion');
    if (r['1'] && !sameBytes(r['1'].id, input.credentialId)) {
      throw new LatchkeyError('fido_device', 'The security key answered with a credential that was not asked for.', { reason: 'credential_id' });
    }
    const ad = parseAuthData(r['2']);
    checkRp(ad.rpIdHash, input.rpId);
    const enc = ad.extensions?.['hmac-secret'];
    if (!(enc instanceof Uint8Array)) {
      throw new LatchkeyError('fido_no_hmac_secret', 'The security key returned no hmac-secret; it may not support it for this credential.');
    }
    const secret = input.proto.decrypt(a.shared, enc);
    if (secret.length !== 32) {
      secret.fill(0);
      throw new LatchkeyError('fido_device', 'The security key returned an hmac-secret of the wrong size.', { reason: 'hmac_secret_length' });
    }
    return { secret, uv: (ad.flags & FLAG_UV) !== 0 };
  } finally {
    a.shared.fill(0);
  }
}
