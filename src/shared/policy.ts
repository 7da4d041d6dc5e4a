/**
 * The organisation policy: what IT ships to managed laptops, and the person's own
 * settings for whatever the policy leaves open. Field-by-field documentation, the
 * signing format and precedence live in docs/policy.md — keep the two in step.
 *
 * Every object is STRICT: an unknown field is an error, not ignored. A policy that
 * says something this app does not understand must fail closed rather than be half
 * enforced (a typo such as "hardwareKeyRequierd" would otherwise silently loosen it).
 *
 * A field that is absent is "left open": the person's settings (or the safe personal
 * default) apply and the UI shows it as editable. A field that is present is locked
 * and the UI shows "managed by <org>".
 *
 * This file compiles under the core tsconfig (no DOM, no Node): no URL class here.
 */
import { z } from 'zod';
import { anomalyPolicySchema, budgetPolicySchema } from './budgets';

/** The only policy document version this app understands. */
export const POLICY_VERSION = 1;

// ---------------------------------------------------------------- value schemas

/** https anywhere; plain http only to loopback (a local test server). No userinfo. */
export const serverUrlSchema = z
  .string()
  .max(2048)
  .regex(
    /^(https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?|http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?)(\/[^\s?#]*)?$/,
    'an https:// URL (http:// only for localhost), without user name, query or fragment',
  );

/** Authenticator model id (AAGUID) as a UUID string, any case; compared lower-cased. */
export const aaguidSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'an AAGUID such as cb69481e-8ff7-4039-93ec-0a2729a154a8');

/**
 * A certificate an organisation trusts to vouch for security-key models: PEM
 * ("-----BEGIN CERTIFICATE-----" armour) or the bare base64 DER the FIDO Metadata
 * Service puts in `attestationRootCertificates`. Only the text shape is checked here
 * (this file compiles for the engine, without an X.509 parser); main parses the DER
 * when it verifies an enrolment and refuses the enrolment if a root does not parse.
 */
export const attestationRootSchema = z
  .string()
  .max(16_384)
  .regex(
    /^\s*(?:-----BEGIN CERTIFICATE-----\s*[A-Za-z0-9+/=\s]{64,}-----END CERTIFICATE-----|[A-Za-z0-9+/]{64,}={0,2})\s*$/,
    'a certificate in PEM form, or its base64 DER as in FIDO Metadata Service statements',
  );

/**
 * A destination rule: `[METHODS SP]pattern[path-glob]` (docs/policy.md "Destination
 * rules"). The pattern is `[scheme://]host[:port]`: `host` is a DNS name, an IPv4
 * literal or a bracketed IPv6 literal; `*.` in front matches every subdomain at any
 * depth but NOT the bare domain (write both to mean both). No scheme = http and
 * https; no port = any port. Compared case-insensitively. METHODS is a comma list of upper-case method names (`GET,POST`), absent =
 * any method; the path glob starts with `/`, `*` matches within one segment and `**`
 * across segments, absent = any path. The plain pattern form stays valid.
 */
export const destinationRuleSchema = z
  .string()
  .max(600)
  .regex(
    /^(?:[A-Z]{1,20}(?:,[A-Z]{1,20}){0,15} )?(?:https?:\/\/)?(?:\*\.)?(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*)?$/,
    'a destination such as https://api.example.com, *.example.com or GET,POST https://api.example.com/repos/acme/* (upper-case methods, then a space; no query)',
  )
  .refine((r) => pathGlobProblem(r) === null, { error: 'a path without "." or ".." segments and without an encoded / or \\ (%2F, %5C)' });

/** Null when the rule's path glob (if any) is acceptable; else why not. Shared with the item's rules. */
export function pathGlobProblem(rule: string): string | null {
  const afterMethods = rule.replace(/^[A-Z,]+ /, '');
  const start = afterMethods.replace(/^https?:\/\//i, '').indexOf('/');
  if (start < 0) return null;
  const path = afterMethods.replace(/^https?:\/\//i, '').slice(start);
  if (/%(?:2f|5c)/i.test(path)) return 'encoded slash';
  const segs = path.split('/').map((s) => s.replace(/%2e/gi, '.'));
  if (segs.some((s) => s === '.' || s === '..')) return 'dot segment';
  return null;
}

/** An agent as named when it was paired (e.g. "Claude Code"); a trailing * is a prefix match. */
export const agentPatternSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^*]*\*?$/, 'at most one *, at the end');

/** `http_request`, `run_command`, `downstream:<server name>` or `downstream:*`. */
export const toolPatternSchema = z
  .string()
  .regex(/^(list_credentials|http_request|run_command|downstream:(\*|[A-Za-z0-9_.-]{1,64}))$/, 'http_request, run_command, list_credentials, downstream:<server> or downstream:*');

/**
 * How often the person is asked before an agent may use a credential, strictest
 * first: every invocation, once per agent session, or remembered ("always").
 */
export const APPROVAL_MODES = ['every_time', 'session', 'always'] as const;
export const approvalModeSchema = z.enum(APPROVAL_MODES);
export type ApprovalMode = z.infer<typeof approvalModeSchema>;

/**
 * What the gateway does with a DLP finding in a result going to an agent
 * (docs/policy.md "dlp"): nothing, replace the match, pass it with a warning, or
 * withhold the whole result.
 */
export const DLP_ACTIONS = ['off', 'redact', 'warn', 'block'] as const;
export const dlpActionSchema = z.enum(DLP_ACTIONS);
export type DlpAction = z.infer<typeof dlpActionSchema>;
/** The DLP categories, each with its own action. */
export const DLP_CATEGORIES = ['secrets', 'cards', 'iban', 'email', 'phone'] as const;
export type DlpCategory = (typeof DLP_CATEGORIES)[number];

/** argon2id cost: memory in KiB (argon2's unit), passes, lanes. */
export const argon2idParamsSchema = z.strictObject({
  memoryKiB: z
    .number()
    .int()
    .min(8 * 1024)
    .max(4 * 1024 * 1024),
  iterations: z.number().int().min(1).max(64),
  parallelism: z.number().int().min(1).max(16),
});
export type Argon2idParams = z.infer<typeof argon2idParamsSchema>;

/** A break-glass admin as named at the ceremony (docs/break-glass.md §2); shown in notices and logs. */
export const breakGlassAdminNameSchema = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'an admin name: letters, digits, . _ @ - (up to 64)');

/**
 * recovery.breakGlass (docs/break-glass.md): the org recovery public key every vault's
 * key is additionally wrapped to (HPKE, docs/vault-format.md §4.4), and the k-of-n
 * split of its private key the ceremony made. keyId is the first 8 bytes of
 * SHA-256(public key), hex; the engine checks it against the key before wrapping.
 */
export const breakGlassPolicySchema = z
  .strictObject({
    /** X25519 public key, 32 bytes, base64url without padding. */
    orgRecoveryPublicKey: z.string().regex(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/, '32 bytes, base64url without padding (43 characters)'),
    keyId: z.string().regex(/^[0-9a-f]{16}$/, '16 lower-case hex digits'),
    threshold: z.number().int().min(2).max(255),
    admins: z.array(breakGlassAdminNameSchema).min(2).max(255),
  })
  .superRefine((b, ctx) => {
    if (new Set(b.admins).size !== b.admins.length) ctx.addIssue({ code: 'custom', path: ['admins'], message: 'names each admin once' });
    if (b.threshold > b.admins.length) ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'cannot be more than the number of admins' });
  });
export type BreakGlassPolicy = z.infer<typeof breakGlassPolicySchema>;

// ---------------------------------------------------------------- the policy document

export const policySchema = z
  .strictObject({
    version: z.literal(POLICY_VERSION),
    /**
     * Rollback protection: IT raises it with every policy it signs (`latchkey policy
     * sign` sets it). A device remembers the highest serial it applied per org key and
     * refuses a lower one (docs/policy.md "Serial"). Absent counts as 0.
     */
    serial: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    org: z.strictObject({
      name: z.string().min(1).max(128),
      serverUrl: serverUrlSchema.optional(),
    }),
    unlock: z
      .strictObject({
        hardwareKeyRequired: z.boolean().optional(),
        passwordAllowed: z.boolean().optional(),
        recoveryCodeAllowed: z.boolean().optional(),
        minEnrolledKeys: z.number().int().min(0).max(16).optional(),
        allowedAaguids: z.array(aaguidSchema).min(1).max(256).optional(),
        attestationRoots: z.array(attestationRootSchema).min(1).max(64).optional(),
        userVerificationRequired: z.boolean().optional(),
      })
      .optional(),
    kdf: z.strictObject({ argon2idFloor: argon2idParamsSchema }).optional(),
    session: z
      .strictObject({
        autoLockMinutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .optional(),
        lockOnSleep: z.boolean().optional(),
        lockOnScreenLock: z.boolean().optional(),
      })
      .optional(),
    clipboard: z.strictObject({ clearSeconds: z.number().int().min(1).max(3600) }).optional(),
    export: z.strictObject({ allowed: z.boolean() }).optional(),
    gateway: z
      .strictObject({
        enabled: z.boolean().optional(),
        allowedAgents: z.array(agentPatternSchema).max(256).optional(),
        allowedTools: z.array(toolPatternSchema).max(256).optional(),
        destinations: z
          .strictObject({
            allow: z.array(destinationRuleSchema).max(1024).optional(),
            deny: z.array(destinationRuleSchema).max(1024).optional(),
          })
          .optional(),
        approvalModeFloor: approvalModeSchema.optional(),
        /** run_command may put the real value in the child's environment (env mode) when the agent asks. Default false. */
        realEnvAllowed: z.boolean().optional(),
        /**
         * Credentials with any of these tags need a touch of an enrolled security key for
         * every use (docs/policy.md "touch to approve"); `production` always does.
         */
        touchRequiredTags: z.array(z.string().min(1).max(64)).max(64).optional(),
        /** A touch to approve must also verify the person (PIN or built-in UV). Default false. */
        touchUserVerification: z.boolean().optional(),
      })
      .optional(),
    /** Canary credentials (docs/policy.md "canary"). */
    canary: z
      .strictObject({
        /** After a trip, the agent may call no tool until the person restores it. Default true. */
        cutOffAgent: z.boolean().optional(),
      })
      .optional(),
    /** Floors for every grant's budget (docs/policy.md "budgets"): policy can make a budget stricter, never looser. */
    budgets: budgetPolicySchema.optional(),
    /** Anomaly alerts (docs/policy.md "anomalies"): rules that also ask afresh, and the usual hours. */
    anomalies: anomalyPolicySchema.optional(),
    /** DLP on results going to agents (docs/policy.md "dlp"); each absent category keeps its default. */
    dlp: z
      .strictObject({
        secrets: dlpActionSchema.optional(),
        cards: dlpActionSchema.optional(),
        iban: dlpActionSchema.optional(),
        email: dlpActionSchema.optional(),
        phone: dlpActionSchema.optional(),
      })
      .optional(),
    /** Organisation recovery (docs/break-glass.md); absent = the vault stays end-to-end only. */
    recovery: z.strictObject({ breakGlass: breakGlassPolicySchema.optional() }).optional(),
    audit: z
      .strictObject({
        uploadRequired: z.boolean(),
        uploadIntervalMinutes: z
          .number()
          .int()
          .min(5)
          .max(30 * 24 * 60)
          .optional(),
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    // Contradictions are refused at load rather than resolved by a guess.
    if (p.unlock?.hardwareKeyRequired === true && p.unlock.passwordAllowed === true) {
      ctx.addIssue({ code: 'custom', path: ['unlock', 'passwordAllowed'], message: 'cannot be true when hardwareKeyRequired is true' });
    }
    if (p.unlock?.hardwareKeyRequired === true && p.unlock.minEnrolledKeys === 0) {
      ctx.addIssue({ code: 'custom', path: ['unlock', 'minEnrolledKeys'], message: 'must be at least 1 when hardwareKeyRequired is true' });
    }
    if (p.audit?.uploadRequired === true) {
      if (p.audit.uploadIntervalMinutes === undefined) {
        ctx.addIssue({ code: 'custom', path: ['audit', 'uploadIntervalMinutes'], message: 'is required when uploadRequired is true' });
      }
      if (p.org.serverUrl === undefined) {
        ctx.addIssue({ code: 'custom', path: ['org', 'serverUrl'], message: 'is required when audit.uploadRequired is true (where would it upload?)' });
      }
    }
  });
export type Policy = z.infer<typeof policySchema>;

/**
 * The signed form IT distributes. `signature` is Ed25519 by the org policy key over
 * the UTF-8 bytes of the RFC 8785 (JCS) canonical JSON of `policy`; base64url, no
 * padding. `keyId` names the key (see orgPublicKeySchema). `policy` is kept as
 * unknown here: the signature is checked BEFORE the policy is interpreted.
 */
export const signedPolicyEnvelopeSchema = z.strictObject({
  policy: z.unknown(),
  keyId: z.string().regex(/^[0-9a-f]{16}$/, '16 lower-case hex digits'),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, '64 bytes, base64url without padding'),
});
export type SignedPolicyEnvelope = z.infer<typeof signedPolicyEnvelopeSchema>;

/** org.pub: the org policy PUBLIC key, as pinned in resources/org-policy-key of a managed build. */
export const orgPublicKeySchema = z.strictObject({
  format: z.literal('latchkey-org-policy-key'),
  version: z.literal(1),
  algorithm: z.literal('Ed25519'),
  /** First 8 bytes of SHA-256(raw public key), lower-case hex. */
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  /** 32 raw bytes, base64url without padding. */
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
export type OrgPublicKeyFile = z.infer<typeof orgPublicKeySchema>;

/** org.key: the org policy SIGNING key. Lives with IT only; never shipped. */
export const orgSigningKeySchema = z.strictObject({
  format: z.literal('latchkey-org-policy-signing-key'),
  version: z.literal(1),
  algorithm: z.literal('Ed25519'),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  /** 32-byte Ed25519 seed, base64url without padding. Key material: never log it. */
  secretKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
export type OrgSigningKeyFile = z.infer<typeof orgSigningKeySchema>;

// ---------------------------------------------------------------- personal settings

/** What the person chooses where the policy leaves a field open. */
export const personalSettingsSchema = z.strictObject({
  /** Idle minutes before the vault locks; 0 = never (refused when policy sets a maximum). */
  autoLockMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60),
  lockOnSleep: z.boolean(),
  lockOnScreenLock: z.boolean(),
  /** Seconds before a copied secret is cleared from the clipboard; 0 = never. */
  clipboardClearSeconds: z.number().int().min(0).max(3600),
  gatewayEnabled: z.boolean(),
  /** `run_command` puts secrets into a child's environment; off until the person turns it on. */
  runCommandEnabled: z.boolean(),
  serverUrl: serverUrlSchema.nullable(),
});
export type PersonalSettings = z.infer<typeof personalSettingsSchema>;

/** Safe defaults for a person with no managed policy. */
export const DEFAULT_PERSONAL_SETTINGS: PersonalSettings = Object.freeze({
  autoLockMinutes: 15,
  lockOnSleep: true,
  lockOnScreenLock: true,
  clipboardClearSeconds: 30,
  gatewayEnabled: true,
  runCommandEnabled: false,
  serverUrl: null,
});

/** The app's own KDF floor, policy or not (≈0.3 s with SIMD on this class of machine). */
export const BASELINE_ARGON2ID: Argon2idParams = Object.freeze({ memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 });

// ---------------------------------------------------------------- the effective policy

/** Every lockable field, as a dotted path into {@link Policy}. */
export const POLICY_FIELDS = [
  'org.serverUrl',
  'unlock.hardwareKeyRequired',
  'unlock.passwordAllowed',
  'unlock.recoveryCodeAllowed',
  'unlock.minEnrolledKeys',
  'unlock.allowedAaguids',
  'unlock.attestationRoots',
  'unlock.userVerificationRequired',
  'kdf.argon2idFloor',
  'session.autoLockMinutes',
  'session.lockOnSleep',
  'session.lockOnScreenLock',
  'clipboard.clearSeconds',
  'export.allowed',
  'gateway.enabled',
  'gateway.allowedAgents',
  'gateway.allowedTools',
  'gateway.destinations.allow',
  'gateway.destinations.deny',
  'gateway.approvalModeFloor',
  'gateway.realEnvAllowed',
  'gateway.touchRequiredTags',
  'gateway.touchUserVerification',
  'canary.cutOffAgent',
  'budgets.usesPerHour',
  'budgets.usesPerDay',
  'budgets.bytesPerHour',
  'budgets.bytesPerDay',
  'budgets.methods',
  'budgets.onExceeded',
  'anomalies.requireApproval',
  'anomalies.usualHours',
  'dlp.secrets',
  'dlp.cards',
  'dlp.iban',
  'dlp.email',
  'dlp.phone',
  'audit.uploadRequired',
  'audit.uploadIntervalMinutes',
  'recovery.breakGlass',
] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number];

export const policySourceKindSchema = z.enum(['build', 'os']);
export type PolicySourceKind = z.infer<typeof policySourceKindSchema>;

export const lockInfoSchema = z.strictObject({
  org: z.string(),
  source: policySourceKindSchema,
  /** The file the value came from (shown in "managed by" details; not secret). */
  path: z.string(),
});
export type LockInfo = z.infer<typeof lockInfoSchema>;

/**
 * What the loader hands to the places that decide (engine, gateway, sync, UI). Plain
 * data so it crosses RPC; the decisions are pure functions in src/core/policy.
 */
export const effectivePolicySchema = z.strictObject({
  managed: z.boolean(),
  orgName: z.string().nullable(),
  /** Merged managed policy (build fields win over OS fields), or null when unmanaged. */
  policy: policySchema.nullable(),
  locks: z.partialRecord(z.enum(POLICY_FIELDS), lockInfoSchema),
  personal: personalSettingsSchema,
  /** Key id that verified the managed policy, for display. */
  keyId: z.string().nullable(),
});
export type EffectivePolicy = z.infer<typeof effectivePolicySchema>;
