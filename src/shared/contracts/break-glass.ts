/**
 * Break-glass recovery over the admin API (docs/admin-api.md §3.5, docs/break-glass.md).
 * Shared by the server (src/server/admin/break-glass-routes.ts) and the CLI
 * (src/cli/commands/break-glass.ts). The server only ever sees public or wrapped
 * material: the org recovery PUBLIC key, a person's org-recovery slot (VK wrapped to
 * that key) and the new recovery-code slot (VK wrapped under a code it never sees).
 */
import { z } from 'zod';
import { breakGlassAdminNameSchema } from '../policy';
import { uuidSchema } from './sync';

export const BREAK_GLASS_ROUTES = {
  key: (org: string) => `/v1/admin/orgs/${org}/break-glass/key`,
  slot: (org: string, user: string) => `/v1/admin/orgs/${org}/people/${user}/break-glass/slot`,
  recover: (org: string, user: string) => `/v1/admin/orgs/${org}/people/${user}/break-glass/recover`,
} as const;

export const breakGlassKeyIdSchema = z.string().regex(/^[0-9a-f]{16}$/, '16 lower-case hex digits');
/** A 32-byte key, canonical base64url (the last character carries 2 zero bits). */
export const x25519PublicKeySchema = z.string().regex(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/, '32 bytes, base64url without padding');

const adminNames = z
  .array(breakGlassAdminNameSchema)
  .min(2)
  .max(255)
  .refine((a) => new Set(a).size === a.length, 'each admin once');

/** A sync record's ciphertext (docs/sync-protocol.md §6.1): base64url of the record's JSON. */
const syncCiphertextSchema = z
  .string()
  .min(4)
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]+$/);
const slotRecordIdSchema = z.string().regex(/^slot:[A-Za-z0-9_-]{1,64}$/, 'slot:<slot id>');

export const registerBreakGlassKeyRequestSchema = z
  .strictObject({ keyId: breakGlassKeyIdSchema, publicKey: x25519PublicKeySchema, threshold: z.number().int().min(2).max(255), admins: adminNames })
  .refine((r) => r.threshold <= r.admins.length, 'the threshold cannot be more than the number of admins');
export const breakGlassKeyResponseSchema = z.strictObject({
  keyId: breakGlassKeyIdSchema,
  publicKey: x25519PublicKeySchema,
  threshold: z.number().int().min(2).max(255),
  admins: z.array(breakGlassAdminNameSchema),
  createdAt: z.iso.datetime(),
});

/** The person's org-recovery slot for the registered key, as its sync record, and their vault id. */
export const breakGlassSlotResponseSchema = z.strictObject({
  vaultId: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  recordId: slotRecordIdSchema,
  ciphertext: syncCiphertextSchema,
});

/** The new recovery-code slot for the person, as a sync record, and whose shares made it. */
export const breakGlassRecoverRequestSchema = z.strictObject({
  keyId: breakGlassKeyIdSchema,
  admins: adminNames,
  recordId: slotRecordIdSchema,
  ciphertext: syncCiphertextSchema,
});
export const breakGlassRecoverResponseSchema = z.strictObject({ userId: uuidSchema, recordId: slotRecordIdSchema, version: z.number().int().min(1), seq: z.number().int().min(1) });
