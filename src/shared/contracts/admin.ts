/**
 * The org server's admin API contract (docs/admin-api.md), shared by the server
 * (src/server/admin) and the CLI (src/cli/admin-client.ts). Admins are authenticated
 * apart from devices: their own Ed25519 keys, their own headers, and a canonical
 * request string with its own first line, so no device signature is ever an admin
 * signature (or the reverse).
 */
import { z } from 'zod';
import { AUDIT_OUTCOMES } from './audit-event';
import { ENROLLED_VIA, REVOKED_BY } from './my-devices';
import { ed25519PublicKeySchema, ed25519SignatureSchema, enrolCodeSchema, nonceSchema, uuidSchema } from './sync';

export const ADMIN_HEADERS = {
  key: 'x-latchkey-admin-key',
  time: 'x-latchkey-time',
  nonce: 'x-latchkey-nonce',
  signature: 'x-latchkey-signature',
} as const;

/** The exact bytes an admin key signs (UTF-8), one field a line, no trailing newline. */
export function canonicalAdminRequest(p: { method: string; path: string; bodySha256: string; time: number; nonce: string; adminKey: string }): string {
  return ['LATCHKEY-ADMIN-REQUEST-V1', p.method.toUpperCase(), p.path, p.bodySha256, String(p.time), p.nonce, p.adminKey].join('\n');
}

export const adminHeadersSchema = z.object({
  [ADMIN_HEADERS.key]: ed25519PublicKeySchema,
  [ADMIN_HEADERS.time]: z
    .string()
    .regex(/^\d{1,16}$/)
    .transform(Number),
  [ADMIN_HEADERS.nonce]: nonceSchema,
  [ADMIN_HEADERS.signature]: ed25519SignatureSchema,
});

export const ADMIN_ROUTES = {
  whoami: '/v1/admin/whoami',
  orgs: '/v1/admin/orgs',
  people: (org: string) => `/v1/admin/orgs/${org}/people`,
  revokePerson: (org: string, user: string) => `/v1/admin/orgs/${org}/people/${user}/revoke`,
  devices: (org: string) => `/v1/admin/orgs/${org}/devices`,
  revokeDevice: (org: string, device: string) => `/v1/admin/orgs/${org}/devices/${device}/revoke`,
  enrolCodes: (org: string) => `/v1/admin/orgs/${org}/enrol-codes`,
  audit: (org: string) => `/v1/admin/orgs/${org}/audit`,
  auditCheckpoints: (org: string) => `/v1/admin/orgs/${org}/audit/checkpoints`,
  auditKeys: (org: string) => `/v1/admin/orgs/${org}/audit/keys`,
  admins: '/v1/admin/admins',
  revokeAdmin: (admin: string) => `/v1/admin/admins/${admin}/revoke`,
  actions: '/v1/admin/actions',
} as const;

/** Names of organisations, people and devices: shown to people, never parsed. */
export const displayNameSchema = z
  .string()
  .min(1)
  .max(100)
  .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'no control characters');

export const orgParamsSchema = z.strictObject({ org: uuidSchema });
export const personParamsSchema = z.strictObject({ org: uuidSchema, user: uuidSchema });
export const deviceParamsSchema = z.strictObject({ org: uuidSchema, device: uuidSchema });
export const adminParamsSchema = z.strictObject({ admin: uuidSchema });

export const createOrgRequestSchema = z.strictObject({ name: displayNameSchema });
export const createOrgResponseSchema = z.strictObject({ orgId: uuidSchema });
export const createPersonRequestSchema = z.strictObject({ name: displayNameSchema });
export const createPersonResponseSchema = z.strictObject({ userId: uuidSchema });
export const MAX_ENROL_TTL_HOURS = 24 * 14;
export const issueEnrolCodeRequestSchema = z.strictObject({ userId: uuidSchema, ttlHours: z.number().int().min(1).max(MAX_ENROL_TTL_HOURS).optional() });
export const issueEnrolCodeResponseSchema = z.strictObject({ code: enrolCodeSchema, expiresAt: z.iso.datetime() });
export const revokedResponseSchema = z.strictObject({ revoked: z.literal(true) });
export const addAdminRequestSchema = z.strictObject({ name: displayNameSchema, publicKey: ed25519PublicKeySchema });
export const addAdminResponseSchema = z.strictObject({ adminId: uuidSchema });

const isoTime = z.iso.datetime();
export const orgListSchema = z.strictObject({ orgs: z.array(z.strictObject({ orgId: uuidSchema, name: z.string(), createdAt: isoTime })) });
export const personListSchema = z.strictObject({
  people: z.array(z.strictObject({ userId: uuidSchema, name: z.string(), createdAt: isoTime, revoked: z.boolean() })),
});
export const deviceListSchema = z.strictObject({
  devices: z.array(
    z.strictObject({
      deviceId: uuidSchema,
      userId: uuidSchema,
      name: z.string(),
      createdAt: isoTime,
      revoked: z.boolean(),
      /** The device's last authenticated request, written at most once a minute; null before its first. */
      lastSeenAt: isoTime.nullable(),
      enrolledVia: z.enum(ENROLLED_VIA),
      revokedAt: isoTime.nullable(),
      /** null while not revoked, and for a device revoked before the server recorded who did it. */
      revokedBy: z.enum(REVOKED_BY).nullable(),
    }),
  ),
});
export const adminListSchema = z.strictObject({
  admins: z.array(z.strictObject({ adminId: uuidSchema, name: z.string(), publicKey: ed25519PublicKeySchema, createdAt: isoTime, revoked: z.boolean() })),
});
export const whoamiResponseSchema = z.strictObject({ adminId: uuidSchema, name: z.string() });

/** What the admin audit table records of every admin action (docs/admin-api.md §4). */
export const ADMIN_ACTIONS = [
  'add_admin',
  'break_glass_read_slot',
  'break_glass_recover',
  'break_glass_register',
  'create_org',
  'create_person',
  'delete_oidc_config',
  'export_audit',
  'get_oidc_config',
  'issue_enrol_code',
  'list_actions',
  'list_admins',
  'list_devices',
  'list_orgs',
  'list_people',
  'list_scim_events',
  'revoke_admin',
  'revoke_device',
  'revoke_person',
  'revoke_scim_token',
  'rotate_scim_token',
  'set_oidc_config',
  'whoami',
] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

export const adminActionSchema = z.strictObject({
  id: z.number().int().min(1),
  at: isoTime,
  /** null: run on the server host against the database, not over the API. */
  adminId: uuidSchema.nullable(),
  action: z.enum(ADMIN_ACTIONS),
  orgId: uuidSchema.nullable(),
  target: z.string().nullable(),
  outcome: z.enum(['ok', 'refused']),
  /** The error code of a refused action. */
  reason: z.string().nullable(),
});
export type AdminActionRow = z.infer<typeof adminActionSchema>;
export const MAX_ACTIONS_LIMIT = 1000;
export const actionsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_ACTIONS_LIMIT).optional(),
  /** Only actions with a smaller id (page backwards through the log). */
  before: z.coerce.number().int().min(1).optional(),
});
export const actionListSchema = z.strictObject({ actions: z.array(adminActionSchema) });

/** A record's time as audit records write it (UTC, milliseconds). */
const auditTimeSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'UTC time like 2026-01-02T03:04:05.678Z');

/** Audit export filters; every one optional, all of them must hold (AND). */
export const auditExportQuerySchema = z.strictObject({
  format: z.enum(['jsonl', 'csv']).optional(),
  /** Records with time >= from (inclusive) and < to (exclusive), record time in UTC. */
  from: auditTimeSchema.optional(),
  to: auditTimeSchema.optional(),
  /** A person: the records of every device of theirs. */
  person: uuidSchema.optional(),
  device: uuidSchema.optional(),
  /** An agent: records whose actor is that agent (actor.type "agent", actor.id). */
  agent: z
    .string()
    .regex(/^[A-Za-z0-9_.:@/+-]{1,128}$/)
    .optional(),
  /** A credential: records whose target.itemId is that item. */
  credential: z
    .string()
    .regex(/^[A-Za-z0-9_-]{22}$/)
    .optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
});
export type AuditExportQuery = z.infer<typeof auditExportQuerySchema>;
export const AUDIT_EXPORT_FILTERS = ['from', 'to', 'person', 'device', 'agent', 'credential', 'outcome'] as const;

export const auditKeysResponseSchema = z.strictObject({
  devices: z.record(uuidSchema, ed25519PublicKeySchema),
  /** The server's checkpoint key, hex (the form `latchkey audit verify --pubkeys` reads). */
  server: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
});
export const auditCheckpointsResponseSchema = z.strictObject({ checkpoints: z.array(z.unknown()) });

/** The file `latchkey server admin-keygen` writes (mode 0600). */
export const adminKeyFileSchema = z.strictObject({
  kind: z.literal('latchkey-admin-key'),
  v: z.literal(1),
  publicKey: ed25519PublicKeySchema,
  secretKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
export type AdminKeyFile = z.infer<typeof adminKeyFileSchema>;
