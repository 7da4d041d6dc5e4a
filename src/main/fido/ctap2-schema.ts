/**
 * CTAP2 response shapes (CTAP 2.1 §6), checked with zod after CBOR decoding.
 * CBOR maps arrive as `Map`s keyed by integers; {@link plain} turns them into plain
 * objects keyed by the integers' decimal text so zod can check them field by field.
 */
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import { cborDecode, cborDecodeFirst } from './cbor';

const MAX_DEPTH = 8;

/** Map -> object (keys as text); refuses key collisions ("1" and 1) and deep nesting. */
export function plain(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw malformed('nesting');
  if (value instanceof Map) {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of value) {
      if (typeof k !== 'number' && typeof k !== 'string') throw malformed('map key');
      const key = String(k);
      if (key in out || key === '__proto__') throw malformed('map key');
      out[key] = plain(v, depth + 1);
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
  return value;
}

function malformed(reason: string): LatchkeyError {
  return new LatchkeyError('fido_device', 'The security key sent a malformed response.', { reason });
}

/** Decodes CBOR and checks it against `schema`; any mismatch is 'fido_device'. */
export function parseCbor<T extends z.ZodType>(schema: T, bytes: Uint8Array, what: string): z.output<T> {
  const r = schema.safeParse(plain(cborDecode(bytes, what)));
  if (!r.success) throw new LatchkeyError('fido_device', `The security key sent an unexpected ${what}.`, { reason: 'schema' });
  return r.data;
}

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes');
const bytesN = (n: number) => bytes.refine((b) => b.length === n);
const u = z.number().int().min(0).max(0xffffffff);

export const getInfoSchema = z.object({
  '1': z.array(z.string().max(64)).min(1).max(32),
  '2': z.array(z.string().max(64)).max(64).optional(),
  '3': bytesN(16),
  '4': z.record(z.string().max(64), z.boolean()).optional(),
  '5': u.optional(),
  '6': z.array(u).max(16).optional(),
  '7': u.optional(),
  '8': u.optional(),
});
export type GetInfo = z.infer<typeof getInfoSchema>;

export const coseEcdhKeySchema = z.object({
  '1': z.literal(2),
  '3': z.number().int(),
  '-1': z.literal(1),
  '-2': bytesN(32),
  '-3': bytesN(32),
});

export const clientPinResponseSchema = z.object({
  '1': coseEcdhKeySchema.optional(),
  '2': bytes.refine((b) => b.length >= 16 && b.length <= 128).optional(),
  '3': z.number().int().min(0).max(255).optional(),
  '4': z.boolean().optional(),
  '5': z.number().int().min(0).max(255).optional(),
});

export const makeCredentialResponseSchema = z.object({
  '1': z.string().max(64),
  '2': bytes.refine((b) => b.length >= 37 && b.length <= 4096),
  '3': z.record(z.string(), z.unknown()),
});

export const getAssertionResponseSchema = z.object({
  '1': z.object({ id: bytes.refine((b) => b.length >= 1 && b.length <= 1023), type: z.string().max(64) }).optional(),
  '2': bytes.refine((b) => b.length >= 37 && b.length <= 4096),
  '3': bytes.refine((b) => b.length <= 1024),
  '4': z.unknown().optional(),
  '5': u.optional(),
});

export const FLAG_UV = 0x04;
export const FLAG_AT = 0x40;
export const FLAG_ED = 0x80;

export interface AuthData {
  rpIdHash: Uint8Array;
  flags: number;
  signCount: number;
  attested?: { aaguid: Uint8Array; credentialId: Uint8Array; publicKey: unknown };
  extensions?: Record<string, unknown>;
}

/** Authenticator data (WebAuthn §6.1): fixed header, optional attested credential, optional extensions map. */
export function parseAuthData(data: Uint8Array): AuthData {
  if (data.length < 37) throw malformed('authData');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const flags = data[32]!;
  const out: AuthData = { rpIdHash: data.slice(0, 32), flags, signCount: view.getUint32(33) };
  let rest = data.subarray(37);
  if (flags & FLAG_AT) {
    if (rest.length < 18) throw malformed('authData');
    const aaguid = rest.slice(0, 16);
    const idLen = (rest[16]! << 8) | rest[17]!;
    if (idLen < 1 || idLen > 1023 || rest.length < 18 + idLen) throw malformed('authData');
    const credentialId = rest.slice(18, 18 + idLen);
    const [publicKey, after] = cborDecodeFirst(rest.subarray(18 + idLen), 'credential public key');
    out.attested = { aaguid, credentialId, publicKey };
    rest = after;
  }
  if (flags & FLAG_ED) {
    const ext = plain(cborDecode(rest, 'extensions'));
    if (typeof ext !== 'object' || ext === null || Array.isArray(ext) || ext instanceof Uint8Array) throw malformed('extensions');
    out.extensions = ext as Record<string, unknown>;
  } else if (rest.length !== 0) {
    throw malformed('authData trailing bytes');
  }
  return out;
}
