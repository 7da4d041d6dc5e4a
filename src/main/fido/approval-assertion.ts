/**
 * Touch to approve (docs/hardware-key.md §6): a plain signing credential (no
 * hmac-secret) made once, and one GetAssertion per approved request whose
 * clientDataHash the gateway derived from the request digest. The assertion IS the
 * receipt's touch, so it is returned exactly as the key sent it (authenticator data,
 * signature, credential id); the gateway checks it before anything is sent.
 *
 * The public key comes from the attested credential data of MakeCredential (a COSE key,
 * RFC 9052/9053) and is published as JWK members in an `approval_key.add` audit record.
 * What is refused from the device: another relying party, no attested data, a key of
 * an algorithm we did not offer, a point not on the curve, an assertion without user
 * presence, or for a credential not asked for.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { APPROVAL_RP_ID, approvalKeySchema, type ApprovalKey } from '../../shared/contracts/approval-receipt';
import { toBase64url } from '../../shared/encoding/base64url';
import { LatchkeyError } from '../../shared/errors';
import type { CborValue } from './cbor';
import { CMD, type Ctap2Client } from './ctap2';
import { coseKeyObject, parseCoseKey } from './cose-key';
import { getAssertionResponseSchema, makeCredentialResponseSchema, parseAuthData, parseCbor } from './ctap2-schema';
import type { TransactOptions } from './ctaphid';
import type { Verification } from './hmac-secret';

const FLAG_UP = 0x01;

type Random = (n: number) => Uint8Array;

function malformed(reason: string): LatchkeyError {
  return new LatchkeyError('fido_device', 'The security key sent a public key Latchkey cannot use.', { reason });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function checkRp(rpIdHash: Uint8Array): void {
  if (!sameBytes(rpIdHash, sha256(utf8ToBytes(APPROVAL_RP_ID)))) throw new LatchkeyError('fido_device', 'The security key answered for another site.', { reason: 'rp_id_hash' });
}

function pinParams(v: Verification, clientDataHash: Uint8Array, key: number): Array<[number, CborValue]> {
  if (v.kind !== 'pin') return [];
  return [
    [key, v.proto.authenticate(v.token, clientDataHash)],
    [key + 1, v.proto.version],
  ];
}

/**
 * COSE_Key → the published key, through the one COSE parser (cose-key.ts): EC2 P-256
 * with ES256, or OKP Ed25519 with EdDSA; RS256 is not offered for approvals, so refused.
 * Importing the key checks the P-256 point is on the curve.
 */
export function approvalKeyFromCose(cose: unknown, credentialId: Uint8Array): ApprovalKey {
  const k = parseCoseKey(cose);
  if (k.kty === 'RSA') throw malformed('algorithm');
  coseKeyObject(k);
  const key: ApprovalKey =
    k.kty === 'EC2'
      ? { credentialId: toBase64url(credentialId), alg: -7, publicKey: { kty: 'EC', crv: 'P-256', x: toBase64url(k.x), y: toBase64url(k.y) }, rpId: APPROVAL_RP_ID }
      : { credentialId: toBase64url(credentialId), alg: -8, publicKey: { kty: 'OKP', crv: 'Ed25519', x: toBase64url(k.x) }, rpId: APPROVAL_RP_ID };
  const parsed = approvalKeySchema.safeParse(key);
  if (!parsed.success) throw malformed('credential id');
  return parsed.data;
}

export interface ApprovalCredentialInput {
  readonly userId: Uint8Array;
  readonly userName: string;
  readonly exclude: readonly Uint8Array[];
  readonly verification: Verification;
}

/** MakeCredential for approvals: ES256 or EdDSA, not resident, no extensions. */
export async function makeApprovalCredential(client: Ctap2Client, input: ApprovalCredentialInput, random: Random, o: TransactOptions): Promise<ApprovalKey> {
  const clientDataHash = random(32);
  const options: Record<string, CborValue> = { rk: false };
  if (input.verification.kind === 'builtin') options.uv = true;
  const params = new Map<number, CborValue>([
    [1, clientDataHash],
    [2, { id: APPROVAL_RP_ID, name: 'Latchkey approvals' }],
    [3, { id: input.userId, name: input.userName, displayName: input.userName }],
    [
      4,
      [
        { alg: -7, type: 'public-key' },
        { alg: -8, type: 'public-key' },
      ],
    ],
    ...(input.exclude.length ? [[5, input.exclude.map((id) => ({ id, type: 'public-key' }))] as [number, CborValue]] : []),
    [7, options],
    ...pinParams(input.verification, clientDataHash, 8),
  ]);
  const body = await client.call(CMD.makeCredential, params, o);
  const r = parseCbor(makeCredentialResponseSchema, body, 'new credential');
  const ad = parseAuthData(r['2']);
  checkRp(ad.rpIdHash);
  if (!ad.attested) throw new LatchkeyError('fido_device', 'The security key sent no credential.', { reason: 'no_attested_data' });
  return approvalKeyFromCose(ad.attested.publicKey, ad.attested.credentialId);
}

export interface ApprovalAssertion {
  readonly credentialId: Uint8Array;
  readonly authenticatorData: Uint8Array;
  readonly signature: Uint8Array;
}

/** One GetAssertion over `clientDataHash` (32 bytes) with user presence, by one of `credentialIds`. */
export async function getApprovalAssertion(
  client: Ctap2Client,
  input: { readonly credentialIds: readonly Uint8Array[]; readonly clientDataHash: Uint8Array; readonly verification: Verification },
  o: TransactOptions,
): Promise<ApprovalAssertion> {
  if (input.clientDataHash.length !== 32) throw new LatchkeyError('invalid_input', 'A client data hash is 32 bytes.');
  const options: Record<string, CborValue> = { up: true };
  if (input.verification.kind === 'builtin') options.uv = true;
  const params = new Map<number, CborValue>([
    [1, APPROVAL_RP_ID],
    [2, input.clientDataHash],
    [3, input.credentialIds.map((id) => ({ id, type: 'public-key' }))],
    [5, options],
    ...pinParams(input.verification, input.clientDataHash, 6),
  ]);
  const body = await client.call(CMD.getAssertion, params, o);
  const r = parseCbor(getAssertionResponseSchema, body, 'assertion');
  // With one allowed credential a key may leave out which one answered (CTAP 2.1 §6.2.2).
  const id = r['1']?.id ?? (input.credentialIds.length === 1 ? input.credentialIds[0]! : undefined);
  if (!id || !input.credentialIds.some((c) => sameBytes(c, id))) {
    throw new LatchkeyError('fido_device', 'The security key answered with a credential that was not asked for.', { reason: 'credential_id' });
  }
  const ad = parseAuthData(r['2']);
  checkRp(ad.rpIdHash);
  if ((ad.flags & FLAG_UP) === 0) throw new LatchkeyError('fido_no_touch', 'The security key was not touched; the request was not approved.');
  return { credentialId: id, authenticatorData: r['2'], signature: r['3'] };
}
