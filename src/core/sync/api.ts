/**
 * The org server's HTTP API as seen by a device: every call is signed (canonical
 * request string in src/shared/contracts/sync.ts) and every response is parsed by its
 * schema before use. Platform needs come in as interfaces: fetch, clock, randomness,
 * the device signer. Never logs or returns header values (the signature is not secret
 * but the body may be).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { z } from 'zod';
import { LatchkeyError, ERROR_CODES, type ErrorCode, type ErrorDetails } from '../../shared/errors';
import {
  ROUTES,
  SIGNED_HEADERS,
  auditStateResponseSchema,
  auditUploadResponseSchema,
  canonicalRequest,
  checkpointResponseSchema,
  consistencyResponseSchema,
  devicesResponseSchema,
  enrolResponseSchema,
  errorBodySchema,
  manifestResponseSchema,
  okResponseSchema,
  proofResponseSchema,
  pullResponseSchema,
  pushResponseSchema,
  type EnrolResponse,
  type PushChange,
  type SignedManifest,
} from '../../shared/contracts/sync';
import { IDENTITY_ROUTES, oidcStartResponseSchema, type OidcStartResponse } from '../../shared/contracts/identity';
import { MY_DEVICES_ROUTES, myDevicesResponseSchema, revokeMyDeviceResponseSchema } from '../../shared/contracts/my-devices';
import { toBase64url, utf8ToBytes } from '../crypto/bytes';
import { parseStrictJson, tryParseStrictJson } from '../../shared/encoding/strict-json';
import type { RandomSource } from '../crypto/random';
import type { DeviceSigner } from './manifest';

/** The subset of WHATWG fetch the client uses (global fetch satisfies it). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{
  status: number;
  text(): Promise<string>;
}>;

export interface SyncClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface DeviceIdentity {
  readonly orgId: string;
  readonly userId: string;
  readonly deviceId: string;
}

export interface ServerApiDeps {
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  readonly clock: SyncClock;
  readonly random: RandomSource;
  readonly signer: DeviceSigner;
  readonly identity: DeviceIdentity;
}

function errorFrom(status: number, text: string): LatchkeyError {
  try {
    const body = errorBodySchema.parse(parseStrictJson(text));
    const code = (ERROR_CODES as readonly string[]).includes(body.error.code) ? (body.error.code as ErrorCode) : 'internal';
    const details: ErrorDetails = {};
    for (const [k, v] of Object.entries(body.error.details ?? {})) {
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') details[k] = v;
    }
    return Object.keys(details).length > 0 ? new LatchkeyError(code, body.error.message, details) : new LatchkeyError(code, body.error.message);
  } catch {
    return new LatchkeyError(status >= 500 ? 'internal' : 'invalid_input', `The server answered ${status} without a readable error.`);
  }
}

async function parseResponse<S extends z.ZodType>(res: { status: number; text(): Promise<string> }, schema: S): Promise<z.infer<S>> {
  const text = await res.text();
  if (res.status < 200 || res.status >= 300) throw errorFrom(res.status, text);
  // Strict: a repeated member name could make this device read another value than the server meant.
  const strict = tryParseStrictJson(text);
  if (!strict.ok) throw new LatchkeyError('invalid_input', `The server sent a response that is not strict JSON: ${strict.message}`);
  const json = strict.value;
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new LatchkeyError('invalid_input', 'The server sent a response that does not match the sync protocol.');
  return parsed.data;
}

/** Unsigned: registers this device's public key with a one-time code. */
export async function enrolDevice(
  deps: { baseUrl: string; fetch: FetchLike },
  code: string,
  publicKey: Uint8Array,
  deviceName: string,
  /** The id the device's audit chain already carries (device-id.ts); the server checks it against the key. */
  deviceId?: string,
): Promise<EnrolResponse> {
  const res = await deps.fetch(deps.baseUrl + ROUTES.enrol, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, publicKey: toBase64url(publicKey), deviceName, ...(deviceId !== undefined ? { deviceId } : {}) }),
  });
  return parseResponse(res, enrolResponseSchema);
}

/** Unsigned: asks the org's server for its IdP and a nonce bound to this device key (docs/identity.md §3.1). */
export async function startOidcEnrolment(deps: { baseUrl: string; fetch: FetchLike }, orgId: string, publicKey: Uint8Array): Promise<OidcStartResponse> {
  const res = await deps.fetch(deps.baseUrl + IDENTITY_ROUTES.oidcStart, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orgId, publicKey: toBase64url(publicKey) }),
  });
  return parseResponse(res, oidcStartResponseSchema);
}

/** Unsigned: registers this device's key with the ID token the IdP issued for that attempt (docs/identity.md §3.3). */
export async function completeOidcEnrolment(
  deps: { baseUrl: string; fetch: FetchLike },
  p: { orgId: string; attemptId: string; idToken: string; publicKey: Uint8Array; deviceName: string; deviceId?: string },
): Promise<EnrolResponse> {
  const res = await deps.fetch(deps.baseUrl + IDENTITY_ROUTES.oidcComplete, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      orgId: p.orgId,
      attemptId: p.attemptId,
      idToken: p.idToken,
      publicKey: toBase64url(p.publicKey),
      deviceName: p.deviceName,
      ...(p.deviceId !== undefined ? { deviceId: p.deviceId } : {}),
    }),
  });
  return parseResponse(res, enrolResponseSchema);
}

export type ServerApi = ReturnType<typeof createServerApi>;

export function createServerApi(deps: ServerApiDeps) {
  async function signedRequest<S extends z.ZodType>(method: 'GET' | 'POST' | 'PUT', path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const time = deps.clock.now();
    const nonce = toBase64url(deps.random.bytes(18));
    const bodySha256 = bytesToHex(sha256(utf8ToBytes(text ?? '')));
    const { orgId, deviceId } = deps.identity;
    const signature = await deps.signer.sign(utf8ToBytes(canonicalRequest({ method, path, bodySha256, time, nonce, orgId, deviceId })));
    const headers: Record<string, string> = {
      [SIGNED_HEADERS.org]: orgId,
      [SIGNED_HEADERS.device]: deviceId,
      [SIGNED_HEADERS.time]: String(time),
      [SIGNED_HEADERS.nonce]: nonce,
      [SIGNED_HEADERS.signature]: toBase64url(signature),
    };
    if (text !== undefined) headers['content-type'] = 'application/json';
    const res = await deps.fetch(deps.baseUrl + path, text === undefined ? { method, headers } : { method, headers, body: text });
    return parseResponse(res, schema);
  }

  return {
    identity: deps.identity,
    push: (changes: readonly PushChange[]) => signedRequest('POST', ROUTES.push, { changes }, pushResponseSchema),
    pull: (cursor: number, limit: number) => signedRequest('GET', `${ROUTES.pull}?cursor=${cursor}&limit=${limit}`, undefined, pullResponseSchema),
    /** `after`: the newest manifest seq already verified; the body is omitted unless newer. */
    getManifest: (after = 0) => signedRequest('GET', `${ROUTES.manifest}?after=${after}`, undefined, manifestResponseSchema),
    putManifest: (signed: SignedManifest) => signedRequest('PUT', ROUTES.manifest, signed, okResponseSchema),
    devices: () => signedRequest('GET', ROUTES.devices, undefined, devicesResponseSchema),
    uploadAudit: (records: readonly unknown[], seals: readonly unknown[] = []) =>
      signedRequest('POST', ROUTES.auditRecords, seals.length > 0 ? { records, seals } : { records }, auditUploadResponseSchema),
    auditState: () => signedRequest('GET', ROUTES.auditState, undefined, auditStateResponseSchema),
    checkpoint: () => signedRequest('GET', ROUTES.checkpoint, undefined, checkpointResponseSchema),
    consistency: (from: number, to?: number) =>
      signedRequest('GET', `${ROUTES.consistency}?from=${from}${to === undefined ? '' : `&to=${to}`}`, undefined, consistencyResponseSchema),
    proof: (device: string, seq: number) => signedRequest('GET', `${ROUTES.proof}?device=${encodeURIComponent(device)}&seq=${seq}`, undefined, proofResponseSchema),
    /** The person's devices, for Settings → Devices (docs/sync-protocol.md §5.4). */
    myDevices: () => signedRequest('GET', MY_DEVICES_ROUTES.list, undefined, myDevicesResponseSchema),
    /** Revokes one of the person's devices, this one included. */
    revokeMyDevice: (deviceId: string) => signedRequest('POST', MY_DEVICES_ROUTES.revoke, { deviceId }, revokeMyDeviceResponseSchema),
  };
}
