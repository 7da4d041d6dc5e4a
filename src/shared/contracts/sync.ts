/**
 * The org server's HTTP contract (sync protocol v1), shared by the server
 * (src/server) and the client (src/core/sync). Every request and response body that
 * crosses the wire is parsed by one of these schemas. The full protocol, with the
 * exact canonical request string, is written down in docs/sync-protocol.md.
 *
 * Strict everywhere: objects refuse unknown members (z.strictObject), byte strings
 * must be canonical base64url (an impossible length such as "A", or non-zero trailing
 * bits, is refused), and bodies are read with parseStrictJson (repeated member names
 * refused) before these schemas see them.
 */
import { z } from 'zod';
import { isCanonicalBase64url } from '../encoding/base64url';

/** Request-signing headers (lower-case: HTTP header names are case-insensitive). */
export const SIGNED_HEADERS = {
  org: 'x-latchkey-org',
  device: 'x-latchkey-device',
  time: 'x-latchkey-time',
  nonce: 'x-latchkey-nonce',
  signature: 'x-latchkey-signature',
} as const;

/** Largest clock difference accepted between a device and the server, in ms. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The exact bytes a device signs (UTF-8). One field a line, no trailing newline.
 * `path` is the request target as sent (path plus query string); `bodySha256` is the
 * lowercase hex SHA-256 of the raw body bytes (of the empty string when there is no
 * body). Binding org and device stops a signature being replayed under other ids.
 */
export function canonicalRequest(p: { method: string; path: string; bodySha256: string; time: number; nonce: string; orgId: string; deviceId: string }): string {
  return ['LATCHKEY-REQUEST-V1', p.method.toUpperCase(), p.path, p.bodySha256, String(p.time), p.nonce, p.orgId, p.deviceId].join('\n');
}

// ------------------------------------------------------------------ primitives

export const uuidSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'uuid');
const canonical = (what: string) => (s: z.ZodString) => s.refine(isCanonicalBase64url, `${what} (canonical unpadded base64url)`);
export const b64uSchema = canonical('base64url')(z.string());
/** 16–64 random bytes in base64url; unique per device within the replay window. */
export const nonceSchema = canonical('nonce')(z.string().regex(/^[A-Za-z0-9_-]{22,86}$/, 'nonce'));
export const ed25519PublicKeySchema = canonical('Ed25519 public key')(z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'Ed25519 public key (base64url)'));
export const ed25519SignatureSchema = canonical('Ed25519 signature')(z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'Ed25519 signature (base64url)'));
/** Lowercase hex SHA-256 of a manifest's signed bytes (see vault manifest below). */
export const manifestHashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'manifest hash (64 lowercase hex digits)');
/** Record ids are chosen by the client (item ids, slot ids…); opaque to the server. */
export const recordIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'record id');
/** A record's server version: 1 for the first write, +1 for every accepted write. */
export const versionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** The per-user change sequence used as pull cursor (0 = before the first change). */
export const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Client-chosen id of one queued change, so a retried push is applied once. */
export const changeIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'change id');

export const MAX_CIPHERTEXT_CHARS = 262_144; // 192 KiB of ciphertext per record
export const MAX_PUSH_CHANGES = 500;
export const MAX_PULL_LIMIT = 2_000;
export const MAX_MANIFEST_ENTRIES = 100_000;
/** Chain links returned by one manifest read; a device further behind reads again. */
export const MAX_MANIFEST_LINKS = 1_000;

// ------------------------------------------------------------------ enrolment

/** The code an admin hands a person: `<orgId>.<secret>` (secret = 32 base64url chars). */
export const enrolCodeSchema = z.string().regex(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{32}$/, 'enrolment code');

export const enrolRequestSchema = z.strictObject({
  code: enrolCodeSchema,
  publicKey: ed25519PublicKeySchema,
  deviceName: z.string().min(1).max(100),
  /**
   * The id this device's audit chain already carries (src/core/sync/device-id.ts). The
   * server accepts it only if it is the derivation from `publicKey`; without it the
   * server assigns a random one (clients before personal-mode audit).
   */
  deviceId: uuidSchema.optional(),
});

export const enrolResponseSchema = z.strictObject({
  orgId: uuidSchema,
  userId: uuidSchema,
  deviceId: uuidSchema,
  /** The server's checkpoint-signing key, to pin. */
  serverPublicKey: ed25519PublicKeySchema,
});
export type EnrolResponse = z.infer<typeof enrolResponseSchema>;

// ------------------------------------------------------------------ records

export const syncRecordSchema = z.strictObject({
  id: recordIdSchema,
  version: versionSchema,
  /** The per-user change sequence number of the write that produced this version. */
  seq: seqSchema,
  deleted: z.boolean(),
  /** Opaque ciphertext (base64url); empty for a tombstone. */
  ciphertext: b64uSchema.max(MAX_CIPHERTEXT_CHARS),
});
export type SyncRecord = z.infer<typeof syncRecordSchema>;

export const pushChangeSchema = z
  .strictObject({
    changeId: changeIdSchema,
    id: recordIdSchema,
    /** Version the client last saw (0 = creating). Compare-and-swap on this. */
    baseVersion: versionSchema,
    deleted: z.boolean(),
    ciphertext: b64uSchema.max(MAX_CIPHERTEXT_CHARS),
  })
  .refine((c) => !c.deleted || c.ciphertext === '', { error: 'a tombstone carries no ciphertext' });
export type PushChange = z.infer<typeof pushChangeSchema>;

export const pushRequestSchema = z.strictObject({ changes: z.array(pushChangeSchema).min(1).max(MAX_PUSH_CHANGES) });

export const pushResultSchema = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('applied'), changeId: changeIdSchema, id: recordIdSchema, version: versionSchema, seq: seqSchema }),
  /** CAS failed: `current` is the record as the server holds it now. */
  z.strictObject({ status: z.literal('conflict'), changeId: changeIdSchema, id: recordIdSchema, current: syncRecordSchema }),
]);
export type PushResult = z.infer<typeof pushResultSchema>;

/**
 * `manifestSeq`/`manifestHash`: seq and hash of the stored vault manifest (0 and "" =
 * none), so clients fetch it only when it moved, and notice the same seq with other content.
 */
export const manifestHashOrNoneSchema = z.union([manifestHashSchema, z.literal('')]);
export const pushResponseSchema = z.strictObject({ results: z.array(pushResultSchema), headSeq: seqSchema, manifestSeq: seqSchema, manifestHash: manifestHashOrNoneSchema });

export const pullQuerySchema = z.strictObject({
  cursor: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_PULL_LIMIT).default(500),
});

export const pullResponseSchema = z.strictObject({
  records: z.array(syncRecordSchema),
  /** Cursor for the next page (the seq of the last record returned, or the request's). */
  nextCursor: seqSchema,
  /** The user's latest change sequence on the server at the time of this read. */
  headSeq: seqSchema,
  hasMore: z.boolean(),
  /** Seq and hash of the stored vault manifest (0 and "" = none). */
  manifestSeq: seqSchema,
  manifestHash: manifestHashOrNoneSchema,
});

// ------------------------------------------------------------------ vault manifest

/** [record id, version] — every record the user has (tombstones included). */
export const manifestEntrySchema = z.tuple([recordIdSchema, versionSchema]);

/**
 * Signed by one of the user's devices; see docs/sync-protocol.md §5 "Manifest".
 * Version 2 names its predecessor: `prev` is the hash of the manifest it replaces
 * ("" only for the first one), so the manifests form a chain a device can check.
 */
export const MANIFEST_VERSION = 2;
export const vaultManifestSchema = z.strictObject({
  v: z.literal(MANIFEST_VERSION),
  orgId: uuidSchema,
  userId: uuidSchema,
  deviceId: uuidSchema,
  /** The user's change sequence this manifest describes (the state after change `seq`). */
  seq: seqSchema,
  /** Milliseconds since the epoch, device clock. */
  time: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Hash of the previous manifest in the chain; "" for the first. */
  prev: manifestHashOrNoneSchema,
  /** Sorted by record id (UTF-16 code unit order), unique. */
  entries: z
    .array(manifestEntrySchema)
    .max(MAX_MANIFEST_ENTRIES)
    .refine((e) => e.every((x, i) => i === 0 || e[i - 1]![0] < x[0]), 'entries sorted by id, each id once'),
});
export type VaultManifest = z.infer<typeof vaultManifestSchema>;

export const signedManifestSchema = z.strictObject({ manifest: vaultManifestSchema, signature: ed25519SignatureSchema });
export type SignedManifest = z.infer<typeof signedManifestSchema>;

/**
 * What the signature covers: the manifest with `entries` replaced by the SHA-256 of
 * their canonical JSON. A link of the chain travels as this header alone, so a device
 * that missed several manifests checks each one's signature and `prev` without
 * downloading every past record list.
 */
export const manifestHeaderSchema = z.strictObject({
  v: z.literal(MANIFEST_VERSION),
  orgId: uuidSchema,
  userId: uuidSchema,
  deviceId: uuidSchema,
  seq: seqSchema,
  time: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  prev: manifestHashOrNoneSchema,
  entriesSha256: manifestHashSchema,
});
export type ManifestHeader = z.infer<typeof manifestHeaderSchema>;
export const manifestLinkSchema = z.strictObject({ header: manifestHeaderSchema, signature: ed25519SignatureSchema });
export type ManifestLink = z.infer<typeof manifestLinkSchema>;

export const manifestQuerySchema = z.strictObject({ after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0) });
/**
 * `seq`/`hash` of the stored (newest) manifest (0/"" = none). `links`: the chain's
 * headers with after < seq < the newest, oldest first, at most MAX_MANIFEST_LINKS;
 * `signed`: the newest manifest in full, only when seq > after and every link up to it
 * fitted in this answer (otherwise null: read again after the last link).
 */
export const manifestResponseSchema = z.strictObject({
  seq: seqSchema,
  hash: manifestHashOrNoneSchema,
  links: z.array(manifestLinkSchema).max(MAX_MANIFEST_LINKS),
  signed: signedManifestSchema.nullable(),
});
export const okResponseSchema = z.strictObject({ ok: z.literal(true) });

export const deviceInfoSchema = z.strictObject({
  deviceId: uuidSchema,
  publicKey: ed25519PublicKeySchema,
  name: z.string(),
  revoked: z.boolean(),
});
export const devicesResponseSchema = z.strictObject({ devices: z.array(deviceInfoSchema) });

// ------------------------------------------------------------------ audit

/**
 * Records and the device's seals over them (format v3: every v3 record of a batch is
 * covered by one of its seals); both are validated by the audit library's own schemas
 * on the server.
 */
export const auditUploadSchema = z.strictObject({ records: z.array(z.unknown()).min(1).max(1_000), seals: z.array(z.unknown()).max(1_000).optional() });
export const auditUploadResponseSchema = z.strictObject({
  accepted: z.number().int().min(0),
  /** Next sequence number the server expects from this device. */
  nextSeq: z.number().int().min(0),
});
export const auditStateResponseSchema = z.strictObject({ nextSeq: z.number().int().min(0), lastHash: z.string().nullable() });

/**
 * The latest signed checkpoint of the org's audit log: the audit library's
 * `Checkpoint` (src/core/audit/checkpoint.ts, log = org id), parsed by the client with
 * that library's schema. Null before the first checkpoint.
 */
export const checkpointResponseSchema = z.strictObject({ checkpoint: z.unknown().nullable(), serverPublicKey: ed25519PublicKeySchema });

export const proofQuerySchema = z.strictObject({
  device: uuidSchema,
  seq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});
/** Two checkpoint sizes; `to` defaults to the latest checkpoint. */
export const consistencyQuerySchema = z.strictObject({
  from: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  to: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});
/** RFC 9162 consistency proof between two signed checkpoints (both returned, to check their signatures). */
export const consistencyResponseSchema = z.strictObject({
  oldSize: z.number().int().min(1),
  newSize: z.number().int().min(1),
  path: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
  older: z.unknown(),
  newer: z.unknown(),
});
/** RFC 9162 inclusion proof of one record in the latest checkpoint's tree. */
export const proofResponseSchema = z.strictObject({
  logIndex: z.number().int().min(0),
  treeSize: z.number().int().min(1),
  recordHash: z.string().regex(/^[0-9a-f]{64}$/),
  path: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
});

// ------------------------------------------------------------------ errors

export const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) });

/** Routes, so client and server spell them once. */
export const ROUTES = {
  enrol: '/v1/enrol',
  push: '/v1/sync/push',
  pull: '/v1/sync/records',
  manifest: '/v1/sync/manifest',
  devices: '/v1/devices',
  auditRecords: '/v1/audit/records',
  auditState: '/v1/audit/state',
  checkpoint: '/v1/audit/checkpoint',
  proof: '/v1/audit/proof',
  consistency: '/v1/audit/consistency',
} as const;
