/**
 * What an audit event may say, defined ONCE for every writer (engine, gateway, stdio
 * bridge, downstream servers, policy) and for the record schema that signs it
 * (src/core/audit/record.ts, format v2, docs/audit-format.md §1).
 *
 * Guard rail against secrets in the log: there is no free-form value anywhere. A
 * reason is one word from {@link AUDIT_REASONS}; the gateway tool is one of
 * {@link AUDIT_TOOLS}; everything else is an id, a bare origin or an identifier token.
 * Unknown members are refused (`strictObject`), so nobody can slip a `value` in.
 */
import { z } from 'zod';
import { ANOMALY_RULES, BUDGET_KINDS } from '../budgets';
import { ERROR_CODES } from '../errors';
import { approvalKeySchema, approvalReceiptSchema } from './approval-receipt';

export const AUDIT_ACTIONS = [
  'vault.create',
  'vault.unlock',
  'vault.lock',
  'vault.change_password',
  'vault.rotate_key',
  'slot.add',
  'slot.remove',
  'item.create',
  'item.update',
  'item.delete',
  'item.reveal',
  'item.copy',
  'item.release',
  'credential.use',
  'agent.pair',
  'agent.revoke',
  'agent.restore',
  'agent.remove',
  'policy.load',
  'vault.import',
  'vault.export',
  'vault.break_glass',
  'mcp_server.add',
  'mcp_server.update',
  'mcp_server.remove',
] as const;

/** Every action a record may name: the engine's, plus device/policy events of main and the server. */
export const AUDIT_RECORD_ACTIONS = [...AUDIT_ACTIONS, 'device.enrol', 'device.revoke', 'policy.change', 'audit.export', 'alert.raised', 'approval_key.add'] as const;

/** How a use was approved (src/main/gateway/authorize.ts returns one of these as its basis). */
export const APPROVAL_BASES = ['always', 'session', 'approved_once', 'approved_session', 'approved_always'] as const;
/** Why the vault locked. */
export const LOCK_REASONS = ['user', 'idle', 'external'] as const;
/** Unlock-method kinds (slot.add, vault.unlock). */
export const SLOT_KINDS = ['password', 'hardware_key', 'recovery_code', 'org_recovery'] as const;
/** What made policy load (success), or why it was refused (failure). */
export const POLICY_REASONS = [
  'initial',
  'file',
  'settings',
  'reload',
  'malformed',
  'too_large',
  'unsigned',
  'envelope',
  'wrong_key',
  'bad_signature',
  'future_version',
  'unknown_version',
  'invalid',
  'bad_key',
  'no_pinned_key',
  'missing',
  'unreadable',
  'rolled_back',
  'rollback_unchecked',
  'unknown',
] as const;

/** What the result guards found (src/main/gateway/tools/echo-guard.ts …): recorded as a `credential.use` failure. */
export const GUARD_REASONS = ['echo_detected', 'canary_tripped', 'dlp_redacted', 'dlp_warned', 'dlp_blocked', 'content_withheld'] as const;

/**
 * Item lifecycle (docs/audit-format.md §1.3): item.delete `trashed` (moved to the trash),
 * `purged` (deleted forever by the person), `expired` (purged after the trash period,
 * actor system); item.update `restored` (out of the trash), `version_restored` (earlier
 * secret values put back); item.reveal / item.copy `previous_version`.
 */
export const ITEM_REASONS = ['trashed', 'purged', 'expired', 'restored', 'version_restored', 'previous_version'] as const;

/**
 * The one vocabulary of `reason`: error codes (refusals and failures), approval bases
 * (allowed uses), lock reasons, slot kinds and policy triggers/refusals. Deduplicated
 * (`conflict`, `invalid` … appear in two lists).
 */
export const AUDIT_REASONS = [
  ...new Set<string>([...ERROR_CODES, ...APPROVAL_BASES, ...LOCK_REASONS, ...SLOT_KINDS, ...POLICY_REASONS, ...GUARD_REASONS, ...ITEM_REASONS]),
] as unknown as readonly [string, ...string[]];
export type AuditReason = (
  typeof APPROVAL_BASES | typeof LOCK_REASONS | typeof SLOT_KINDS | typeof POLICY_REASONS | typeof GUARD_REASONS | typeof ITEM_REASONS | typeof ERROR_CODES
)[number];

/** The gateway tool a `credential.use` went through. */
export const AUDIT_TOOLS = ['list_credentials', 'http_request', 'run_command', 'downstream', 'latchkey_run', 'latchkey_inject'] as const;
export type AuditTool = (typeof AUDIT_TOOLS)[number];

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export const AUDIT_ACTOR_TYPES = ['person', 'agent', 'system'] as const;

const token = (max: number, what: string) => z.string().regex(new RegExp(`^[A-Za-z0-9_.:@/+-]{1,${max}}$`), what);

/** A bare origin: no userinfo (credentials), no path, query or fragment (tokens). */
export const auditOriginSchema = z
  .string()
  .max(300)
  .regex(/^[a-z][a-z0-9+.-]{0,31}:\/\/(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/, 'an origin such as https://api.example.com (no user, path or query)');

export const auditActorSchema = z.strictObject({
  type: z.enum(AUDIT_ACTOR_TYPES),
  /** Agent pairing id, person id or service name; an identifier, never a name with a secret in it. */
  id: token(128, 'actor id (letters, digits, _ . : @ / + -)').optional(),
});

/** A downstream MCP server's configured name (src/main/gateway/downstream/config.ts). */
export const auditServerSchema = z.string().regex(/^[A-Za-z0-9-]{1,32}$/, 'server name (letters, digits, -)');
/** A program's or a downstream tool's bare name: what an agent asked for, never its arguments. */
export const auditNameTokenSchema = z.string().regex(/^[A-Za-z0-9_.+-]{1,64}$/, 'name (letters, digits, _ . + -)');

/** An HTTP method token as sent (RFC 9110 token, upper-case letters only: what our tools and the proxy accept). */
export const auditMethodSchema = z.string().regex(/^[A-Z]{1,16}$/, 'HTTP method (upper-case letters)');

export const auditTargetSchema = z.strictObject({
  itemId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{22}$/, 'item id')
    .optional(),
  slotId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'slot id')
    .optional(),
  origin: auditOriginSchema.optional(),
  /** The NAME of a field ("password") or a custom field's id ("custom:q", src/shared/items.ts fieldRefSchema), never its value. */
  field: z
    .string()
    .regex(/^(?:[A-Za-z0-9_.-]{1,64}|custom:[A-Za-z0-9_-]{1,32})$/, 'field name')
    .optional(),
  /** Another device this event is about (enrol, revoke). */
  deviceId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'device id')
    .optional(),
  /** The gateway tool of a credential.use. */
  tool: z.enum(AUDIT_TOOLS).optional(),
  /** run_command: the program's base name. */
  command: auditNameTokenSchema.optional(),
  /** The HTTP method of the request a credential went into or was refused for (http_request, the run proxy). */
  method: auditMethodSchema.optional(),
  /** downstream: the configured server … */
  server: auditServerSchema.optional(),
  /** … and the tool called on it (absent for a listing). */
  serverTool: auditNameTokenSchema.optional(),
  /** DLP finding (reason dlp_*): the rule that matched (src/main/gateway/dlp), never the match. */
  dlpRule: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,96}$/, 'DLP rule id')
    .optional(),
  /** A use beyond a budget (reason budget_exceeded, or asked again and approved/denied): which budget (src/shared/budgets.ts). */
  budget: z.enum(BUDGET_KINDS).optional(),
  /** alert.raised (and a use asked afresh for it): the anomaly rule, never the value that tripped it. */
  rule: z.enum(ANOMALY_RULES).optional(),
  /** policy.load: the org key that signed the policy applied. */
  policyKeyId: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'policy key id')
    .optional(),
});

export const auditReasonSchema = z.enum(AUDIT_REASONS as unknown as readonly [AuditReason, ...AuditReason[]]);

/** What a caller hands to the audit log; the log adds seq, time, device and the chain. */
export const auditEventSchema = z.strictObject({
  action: z.enum(AUDIT_RECORD_ACTIONS),
  actor: auditActorSchema,
  target: auditTargetSchema.optional(),
  outcome: z.enum(AUDIT_OUTCOMES),
  reason: auditReasonSchema.optional(),
  /** An approved gateway use: the receipt binding the approval to the exact request (docs/audit-format.md §1.5). */
  receipt: approvalReceiptSchema.optional(),
  /** approval_key.add: the security key enrolled to approve uses, published for offline verification (§1.6). */
  approvalKey: approvalKeySchema.optional(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** A slot kind as a reason; a kind this build does not know is recorded as `unsupported`, never as free text. */
export function slotKindReason(kind: string): AuditReason {
  return (SLOT_KINDS as readonly string[]).includes(kind) ? (kind as AuditReason) : 'unsupported';
}
