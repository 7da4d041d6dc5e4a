/**
 * The engine's RPC API, split by caller:
 * - EngineUiContract: the renderer (React UI) -> the engine worker.
 * - EngineMainContract: Electron main (gateway, audit) -> the engine worker.
 *
 * Method names are "area.verb". Every error is a LatchkeyError with a code from
 * src/shared/errors.ts: vault_locked, no_vault, vault_exists, wrong_password,
 * wrong_recovery_code, integrity (details.itemId or details.slotId), last_slot,
 * conflict (stale baseVersion), not_found, invalid_input, unsupported.
 */
import { z } from 'zod';
import { defineContract } from '../rpc/contract';
import { auditEventSchema, type AuditEvent } from './audit-event';
import { exportFileSchema, importCommitParamsSchema, importPreviewParamsSchema, importPreviewSchema } from './import-export';
import { mcpServerConfigSchema, mcpServerNameSchema, mcpServersSettingSchema } from '../mcp-servers';
import { fieldRefSchema, injectionRuleSchema, itemDraftSchema, itemIdSchema, itemKindSchema, itemSummarySchema, itemUpdateSchema, itemViewSchema, originSchema } from '../items';

// ---------------------------------------------------------------- shared pieces

export const vaultIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'vault id');
export const slotIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'slot id');

/** Passwords: length bounds only; strength is the UI's and policy's business. */
export const passwordSchema = z.string().min(8, 'at least 8 characters').max(1024);
/** Recovery code as typed: Crockford base32, any case, dashes/spaces ignored by the engine. */
export const recoveryCodeSchema = z.string().min(16).max(128);

export const vaultStateSchema = z.enum(['no_vault', 'locked', 'unlocked']);
export type VaultState = z.infer<typeof vaultStateSchema>;

export const slotInfoSchema = z.object({
  id: slotIdSchema,
  /** 'password' | 'recovery_code' | 'hardware_key' | … (the slot registry's kinds). */
  kind: z.string().min(1).max(64),
  /** A label the person gave (e.g. "YubiKey 5C"), or a default. Not secret. */
  label: z.string().max(128),
  createdAt: z.number().int(),
});
export type SlotInfo = z.infer<typeof slotInfoSchema>;

export const engineSettingsSchema = z.object({
  /** Idle minutes before the vault locks itself; 0 = never. */
  autoLockMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60),
  /**
   * Connected MCP servers (Settings → Connected MCP servers; docs/vault-format.md §6).
   * Absent on vaults written before it: none. Changed only through 'mcpServers.*'.
   */
  mcpServers: mcpServersSettingSchema.optional(),
});
export type EngineSettings = z.infer<typeof engineSettingsSchema>;

export const statusSchema = z.object({
  state: vaultStateSchema,
  vaultId: vaultIdSchema.optional(),
  /** Only when unlocked. */
  itemCount: z.number().int().nonnegative().optional(),
  /** Slot kinds that can open this vault (lets the UI show the right unlock screen). */
  slotKinds: z.array(z.string()).optional(),
  /**
   * Only when unlocked: stored records that failed their integrity check at unlock
   * (the vault still opened; an overview page is rebuilt from its item records,
   * settings fall back to defaults, a damaged slot is skipped).
   */
  issues: z
    .array(
      z.object({
        where: z.enum(['overview_page', 'slot', 'settings', 'item', 'vault_head']),
        id: z.string(),
        /** What was found (vault-format.md §9); absent on a record that simply failed to authenticate. */
        problem: z.enum(['replayed', 'older', 'newer', 'missing', 'added', 'unauthentic', 'malformed', 'created']).optional(),
      }),
    )
    .optional(),
});
export type EngineStatus = z.infer<typeof statusSchema>;

/**
 * This worker's org sync (src/renderer/engine/device-sync.ts): whether it syncs at all
 * (an enrolled device, from the app start after enrolment), whether a pass runs now,
 * when one last succeeded and why the last one failed (cleared by the next success).
 */
export const syncStatusSchema = z.object({
  active: z.boolean(),
  running: z.boolean(),
  lastSuccessAt: z.number().int().nullable(),
  lastFailure: z.object({ at: z.number().int(), code: z.string().max(64), message: z.string().max(2000) }).nullable(),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;

// ---------------------------------------------------------------- audit events

/**
 * What the engine (and main, via audit.append) hands to the audit chain: defined once
 * in audit-event.ts, the same strict schema the signed record uses, so an event the
 * RPC accepts is one the log can sign. NEVER a secret value here.
 */
export { auditEventSchema, type AuditEvent } from './audit-event';

/** Where the engine sends audit events; the audit helper's chain implements it. */
export interface AuditSink {
  append(event: AuditEvent): void | Promise<void>;
  /** Optional: many events as one segment (one store write, one seal); without it, append each. */
  appendMany?(events: readonly AuditEvent[]): void | Promise<void>;
}

// ---------------------------------------------------------------- UI -> engine

const empty = z.object({});
const ok = z.object({ ok: z.literal(true) });
const mcpServersResult = z.object({ servers: z.array(mcpServerConfigSchema) });

/** What a person is told of a break-glass recovery: when, by which admins, under which org key. */
export const breakGlassNoticeSchema = z.strictObject({
  slotId: slotIdSchema,
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  admins: z.array(z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/)).min(1),
  at: z.number().int(),
});
export type BreakGlassNotice = z.infer<typeof breakGlassNoticeSchema>;

export const EngineUiContract = defineContract({
  name: 'engine-ui',
  methods: {
    'vault.status': { params: empty, result: statusSchema },
    /** Creates the vault (password slot + recovery-code slot) and leaves it unlocked. The recovery code is returned ONCE. */
    'vault.create': {
      params: z.object({ password: passwordSchema }),
      result: z.object({ vaultId: vaultIdSchema, recoveryCode: z.string() }),
    },
    'vault.unlockWithPassword': { params: z.object({ password: z.string().min(1).max(1024) }), result: z.object({ vaultId: vaultIdSchema }) },
    'vault.unlockWithRecoveryCode': { params: z.object({ recoveryCode: recoveryCodeSchema }), result: z.object({ vaultId: vaultIdSchema }) },
    'vault.lock': { params: empty, result: ok },
    /** Re-wraps the vault key under a new password; items are untouched. */
    'vault.changePassword': { params: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema }), result: ok },
    /**
     * New vault key; every item key and every slot re-wrapped. The password slot needs
     * the current password; a recovery-code slot gets a NEW code (returned once);
     * a slot kind that cannot re-wrap without the person makes the call fail before
     * anything changes.
     */
    'vault.rotateKey': {
      params: z.object({ currentPassword: z.string().min(1).max(1024).optional() }),
      result: z.object({ recoveryCode: z.string().optional() }),
    },
    /** Any user activity (input events) — postpones auto-lock. Every UI call does too. */
    'session.touch': { params: empty, result: ok },

    'slots.list': { params: empty, result: z.object({ slots: z.array(slotInfoSchema) }) },
    /** Break-glass recoveries this vault holds a slot from (docs/break-glass.md §5); readable while locked. */
    'vault.breakGlassNotices': { params: empty, result: z.object({ notices: z.array(breakGlassNoticeSchema) }) },
    /** Refuses with 'last_slot' when it is the only slot. */
    'slots.remove': { params: z.object({ slotId: slotIdSchema }), result: ok },
    /** Replaces the recovery-code slot with a new code (returned once). */
    'slots.regenerateRecoveryCode': { params: empty, result: z.object({ recoveryCode: z.string() }) },

    'settings.get': { params: empty, result: engineSettingsSchema },
    'settings.update': { params: engineSettingsSchema.pick({ autoLockMinutes: true }).partial(), result: engineSettingsSchema },

    /** Connected MCP servers, in the order the person added them. */
    'mcpServers.list': { params: empty, result: mcpServersResult },
    /**
     * Adds a server, or replaces the one named `replaces` (an edit, which may rename it).
     * 'conflict' when another server has the name; 'not_found' when `replaces` is gone;
     * 'invalid_input' when a credential is not an API credential in this vault.
     */
    'mcpServers.save': { params: z.strictObject({ server: mcpServerConfigSchema, replaces: mcpServerNameSchema.optional() }), result: mcpServersResult },
    /** 'not_found' when no server has the name. */
    'mcpServers.remove': { params: z.strictObject({ name: mcpServerNameSchema }), result: mcpServersResult },

    /**
     * The overviews (already decrypted at unlock) not in the trash, sorted by title: the
     * first `limit` of them (all without one), and `total`, how many there are. The item
     * list asks for the rows it shows: 100k summaries are seconds of cloning and
     * validating in the page.
     */
    'items.list': {
      params: z.object({ kind: itemKindSchema.optional(), tag: z.string().max(64).optional(), limit: z.number().int().min(1).optional() }),
      result: z.object({ items: z.array(itemSummarySchema), total: z.number().int().nonnegative() }),
    },
    /** Case-insensitive match over title, username, URLs, tags, description. */
    'items.search': {
      params: z.object({ query: z.string().max(256), limit: z.number().int().min(1).max(10_000).optional() }),
      result: z.object({ items: z.array(itemSummarySchema) }),
    },
    /** Overview + masked details (concealed values -> null). */
    'item.get': { params: z.object({ id: itemIdSchema }), result: z.object({ item: itemViewSchema }) },
    'item.create': { params: z.object({ item: itemDraftSchema }), result: z.object({ item: itemSummarySchema }) },
    /** 'conflict' when baseVersion is not the stored version. */
    'item.update': { params: itemUpdateSchema, result: z.object({ item: itemSummarySchema }) },
    /** Moves the item to the trash (restorable for TRASH_DAYS); audited item.delete, reason trashed. */
    'item.delete': { params: z.object({ id: itemIdSchema }), result: ok },
    /** Items in the trash, most recently deleted first (overview.trashedAt set). */
    'trash.list': { params: empty, result: z.object({ items: z.array(itemSummarySchema) }) },
    /** Back out of the trash with every field, tag and grant; audited item.update, reason restored. */
    'trash.restore': { params: z.object({ id: itemIdSchema }), result: z.object({ item: itemSummarySchema }) },
    /** Deletes one trashed item for good; 'not_found' if it is not in the trash. */
    'trash.delete': { params: z.object({ id: itemIdSchema }), result: ok },
    /** Deletes everything in the trash for good. */
    'trash.empty': { params: empty, result: z.object({ deleted: z.number().int().nonnegative() }) },
    /** One value of an earlier version (item.get's `history`); audited like item.reveal, reason previous_version. */
    'item.revealPrevious': {
      params: z.object({ id: itemIdSchema, version: z.number().int().positive(), field: fieldRefSchema, purpose: z.enum(['reveal', 'copy']) }),
      result: z.object({ value: z.string() }),
    },
    /** Puts an earlier version's values back as a new version; 'conflict' when baseVersion is not the stored version. */
    'item.restorePrevious': {
      params: z.object({ id: itemIdSchema, baseVersion: z.number().int().positive(), version: z.number().int().positive() }),
      result: z.object({ item: itemSummarySchema }),
    },
    /** Returns one concealed value; audited as item.reveal or item.copy. */
    /** This worker's org sync, and a pass started at once ('sync.now' resolves when it has run; 'unsupported' when this device does not sync). */
    'sync.status': { params: empty, result: syncStatusSchema },
    'sync.now': { params: empty, result: syncStatusSchema },
    'item.reveal': {
      params: z.object({ id: itemIdSchema, field: fieldRefSchema, purpose: z.enum(['reveal', 'copy']) }),
      result: z.object({ value: z.string() }),
    },
    /** Current RFC 6238 code of a login's TOTP seed. */
    'item.totp': {
      params: z.object({ id: itemIdSchema }),
      result: z.object({ code: z.string(), period: z.number().int(), validUntil: z.number().int() }),
    },

    /**
     * Parses a file of another app (or a Latchkey export) in the worker and keeps it
     * there; returns what to show before anything is written (never a secret).
     * 'wrong_password' when the file's password is missing or wrong; 'invalid_input'
     * naming the file (details.file, details.entry) when it cannot be read.
     */
    'import.preview': { params: importPreviewParamsSchema, result: importPreviewSchema },
    /** Writes the previewed entries in one transaction; 'not_found' when the preview is gone (lock, newer preview). */
    'import.commit': { params: importCommitParamsSchema, result: z.object({ created: z.number().int().nonnegative() }) },
    /** docs/export-format.md; 'policy_forbidden' when policy forbids export. */
    'export.encrypted': { params: z.object({ passphrase: passwordSchema }), result: exportFileSchema },
    /** Unencrypted CSV or JSON; `confirmation` must be the exact sentence shown (PLAINTEXT_EXPORT_CONFIRMATION). */
    'export.plaintext': { params: z.object({ format: z.enum(['json', 'csv']), confirmation: z.string().max(512) }), result: exportFileSchema },
  },
  events: {
    locked: z.object({ reason: z.enum(['user', 'idle', 'external']) }),
    unlocked: z.object({ vaultId: vaultIdSchema }),
    itemsChanged: z.object({ change: z.enum(['created', 'updated', 'deleted', 'rekeyed']), ids: z.array(itemIdSchema) }),
    /** The organisation's break-glass recovery gave this vault a new way in (docs/break-glass.md §5). */
    breakGlass: breakGlassNoticeSchema,
  },
});
export type EngineUiContract = typeof EngineUiContract;

// ---------------------------------------------------------------- main -> engine

/** What the gateway may show an agent about a credential. Never the secret. */
export const credentialOverviewSchema = z.object({
  id: itemIdSchema,
  name: z.string(),
  description: z.string(),
  injection: injectionRuleSchema,
  allowedOrigins: z.array(originSchema),
  updatedAt: z.number().int(),
  /** For main only (never shown to an agent): the item is a canary and is never released. */
  canary: z.boolean().optional(),
  /** The item's tags, when it has any (main asks for a touch for high-risk tags, docs/policy.md). */
  tags: z.array(z.string().min(1).max(64)).max(32).optional(),
  /** The run proxy swaps the placeholder in textual request bodies too (item overview `swapInBody`). */
  swapInBody: z.boolean().optional(),
});
export type CredentialOverview = z.infer<typeof credentialOverviewSchema>;

/**
 * One item's secret for ONE invocation. Main must wipe/drop it when the invocation
 * ends. The rule and origins come from the same decrypted version as the secret,
 * so main never combines a secret with a rule from another version.
 */
export const credentialUseSchema = z.object({
  id: itemIdSchema,
  version: z.number().int().positive(),
  injection: injectionRuleSchema,
  allowedOrigins: z.array(originSchema),
  secret: z.string(),
  /** Custom fields of the item (name -> value), e.g. for environment injection. */
  fields: z.record(z.string(), z.string()),
});
export type CredentialUse = z.infer<typeof credentialUseSchema>;

/**
 * Bounds of one 'results.scrub' call. A gateway result is already size-capped
 * (256 KiB body + headers, 2 × 256 KiB of command output); these only stop a runaway
 * caller from making the engine scan unbounded text. Lengths are UTF-16 code units.
 */
export const SCRUB_MAX_TEXTS = 65_536;
export const SCRUB_MAX_TOTAL_CHARS = 16 * 1024 * 1024;
export const scrubParamsSchema = z
  .object({
    texts: z.array(z.string()).max(SCRUB_MAX_TEXTS),
    /** Per text: it was cut at its end by a size cap (a trailing prefix of a secret is redacted too). */
    truncated: z.array(z.boolean()).max(SCRUB_MAX_TEXTS).optional(),
    /** Also answer `redacted`: which texts had a redaction. */
    reportRedacted: z.boolean().optional(),
    /** The API credential main injected for this call: also answer `echoIn` (for main's echo guard). */
    echoOf: itemIdSchema.optional(),
  })
  .refine((p) => p.texts.reduce((n, t) => n + t.length, 0) <= SCRUB_MAX_TOTAL_CHARS, { error: 'at most 16 MiB of text per call', path: ['texts'] })
  .refine((p) => p.truncated === undefined || p.truncated.length === p.texts.length, { error: 'one truncated flag per text', path: ['truncated'] });

/**
 * A reference's field, as the engine names it once resolved (docs/references.md
 * "Resolution"): a fixed field of the item's kind, or `custom:<id>`.
 */
export const referenceFieldSchema = z.union([
  z.enum(['username', 'password', 'totp', 'secret', 'privateKey', 'publicKey', 'passphrase', 'text', 'notes']),
  z.string().regex(/^custom:[A-Za-z0-9_-]{1,32}$/),
]);

/** What a reference names, resolved in the engine. Never a value. */
export const referenceResolutionSchema = z.strictObject({
  itemId: itemIdSchema,
  title: z.string().min(1).max(256),
  kind: itemKindSchema,
  field: referenceFieldSchema,
  /**
   * Where the run proxy may send the value: an API credential's destination rules, a
   * login's web origins (from its URLs), none for other kinds (proxy mode refused).
   */
  destinations: z.array(originSchema).max(64),
  /** A canary is never released; main refuses (and records) before any prompt. */
  canary: z.boolean(),
  /** API credentials with the body-swap rule set. */
  swapInBody: z.boolean(),
  /** The item's tags: a high-risk one (docs/policy.md `touchRequiredTags`) keeps it from terminals. */
  tags: z.array(z.string().min(1).max(64)).max(32),
});
export type ReferenceResolution = z.infer<typeof referenceResolutionSchema>;

export const referenceReleaseSchema = z.strictObject({ value: z.string().max(65_536), version: z.number().int().positive() });
export type ReferenceRelease = z.infer<typeof referenceReleaseSchema>;

const referencePart = z.string().min(1).max(1024);

export const EngineMainContract = defineContract({
  name: 'engine-main',
  methods: {
    'vault.status': { params: empty, result: statusSchema },
    /** API-credential items only. 'vault_locked' when locked. */
    'credentials.list': { params: empty, result: z.object({ credentials: z.array(credentialOverviewSchema) }) },
    /** 'not_found' if the id is not an API credential. Audited as item.release. */
    'credentials.use': {
      params: z.object({ itemId: itemIdSchema, agentId: z.string().max(128).optional() }),
      result: credentialUseSchema,
    },
    /**
     * A parsed `latchkey://` reference resolved over the open vault (its id or name), its
     * items (id or title) and the item's fields (docs/references.md "Resolution"), for every
     * kind. Never a value. 'not_found' / 'invalid_input' (ambiguous) / 'vault_locked'.
     */
    'references.resolve': {
      params: z.strictObject({ vault: referencePart, item: referencePart, field: referencePart }),
      result: referenceResolutionSchema,
    },
    /**
     * One field's value for ONE use by the person at a terminal (`latchkey run`, `inject`),
     * after main's approval and signed record. `totp` is the current code, not the seed.
     * Audited as item.release (actor person, target item and field); a canary is refused.
     * `purpose` (`run:<argv0>` / `inject:<file>`) is not part of that record: main's own
     * signed credential.use, written before this call, names the command or file.
     */
    'references.release': {
      params: z.strictObject({ itemId: itemIdSchema, field: referenceFieldSchema, purpose: z.string().min(1).max(300) }),
      result: referenceReleaseSchema,
    },
    /** The connected MCP servers the gateway runs for agents (docs/gateway.md §11). 'vault_locked' when locked. */
    'mcpServers.list': { params: empty, result: mcpServersResult },
    /** Main's own audit events (gateway use, pairing, policy) join the engine's chain. */
    'audit.append': { params: auditEventSchema, result: ok },
    /**
     * Every text with every form of every concealed value in the vault redacted
     * (src/core/scrub), same order. Main sends each whole result here just before it
     * goes to an agent, so main never holds any secret but the one of the invocation.
     * 'vault_locked' when locked.
     */
    'results.scrub': {
      params: scrubParamsSchema,
      result: z.object({
        texts: z.array(z.string()),
        redactions: z.number().int().nonnegative(),
        /** Canary items whose value (any form the scrubber knows) was in any of the texts: main raises the alarm. */
        canaries: z.array(itemIdSchema).optional(),
        /**
         * With `reportRedacted`: indexes of the texts in which something was redacted (never
         * what). Main's echo guard then looks for the one secret it injected only in those.
         */
        redacted: z.array(z.number().int().nonnegative()).max(SCRUB_MAX_TEXTS).optional(),
        /**
         * With `echoOf`: indexes of the texts that may hold that credential's released value
         * (a form of it matched, or a cut prefix of some secret), found in the same scan (never
         * what). Main's echo guard checks only those.
         */
        echoIn: z.array(z.number().int().nonnegative()).max(SCRUB_MAX_TEXTS).optional(),
      }),
    },
  },
  events: {
    locked: z.object({ reason: z.enum(['user', 'idle', 'external']) }),
    unlocked: z.object({ vaultId: vaultIdSchema }),
    credentialsChanged: z.object({ ids: z.array(itemIdSchema) }),
    /** The connected MCP servers changed (edited here or by sync): main asks 'mcpServers.list' again. */
    mcpServersChanged: z.object({}),
  },
});
export type EngineMainContract = typeof EngineMainContract;
