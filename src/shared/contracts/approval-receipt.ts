/**
 * Approval receipts and approval keys as they appear in audit records (docs/audit-format.md
 * §1.5, §1.6). One definition for the writer (the gateway, through the engine's audit
 * log), the record schema and every verifier.
 *
 * A receipt binds one approved use to a digest of the exact request the gateway sent.
 * It holds no value: the URL, the agent's headers and the body appear only as SHA-256
 * hashes (a URL can carry a token in its query), next to the bare origin and method.
 * Strict objects throughout, so nothing else can ride along in a record.
 */
import { z } from 'zod';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');
/** Canonical unpadded base64url of 1..n bytes (the strict decoder re-checks canonical form). */
const b64url = (maxChars: number) => z.string().regex(new RegExp(`^[A-Za-z0-9_-]{2,${maxChars}}$`), 'base64url');
const time = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'UTC time like 2026-01-02T03:04:05.678Z');

/** The approval-request format this build writes; a verifier refuses any other `v`. */
export const APPROVAL_REQUEST_VERSION = 1 as const;

/** Domain separation of the FIDO clientDataHash: SHA-256(UTF8(this) || digest bytes). */
export const APPROVAL_CLIENT_DATA_CONTEXT = 'latchkey-approval-v1';

/** The relying party of approval credentials (the same as vault-unlock credentials). */
export const APPROVAL_RP_ID = 'latchkey.local';

const itemId = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'item id');
const agent = z.string().regex(/^[A-Za-z0-9_.:@/+-]{1,128}$/, 'agent id');
const nonce = z.string().regex(/^[A-Za-z0-9_-]{21}[AQgw]$/, '16 bytes, base64url');
/** As the record's target.command / target.serverTool (audit-event.ts auditNameTokenSchema). */
const nameToken = z.string().regex(/^[A-Za-z0-9_.+-]{1,64}$/, 'name (letters, digits, _ . + -)');

/**
 * What the digest covers for an http_request, exactly as hashed: SHA-256 of its RFC 8785
 * canonical JSON. The gateway builds it from the request it is about to send, after the
 * credential is chosen and before the secret is placed in it. Its members are frozen:
 * receipts written before other tools had receipts must keep their digest.
 */
export const httpApprovalRequestSchema = z.strictObject({
  v: z.literal(APPROVAL_REQUEST_VERSION),
  /** The credential (vault item id). */
  itemId,
  /** The agent's pairing id (the record's actor.id). */
  agent,
  tool: z.literal('http_request'),
  method: z.string().regex(/^[A-Z]{1,16}$/, 'HTTP method'),
  /** The destination's bare origin (the record's target.origin). */
  origin: z
    .string()
    .max(300)
    .regex(/^[a-z][a-z0-9+.-]{0,31}:\/\/(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/, 'origin'),
  /** SHA-256 of UTF8(the full destination URL, WHATWG-serialised, no fragment), before the credential is placed. */
  urlHash: hex64,
  /** SHA-256 of UTF8(JCS(the agent's headers as sent: names lower-cased, string values)). */
  headersHash: hex64,
  /** SHA-256 of the body bytes as sent (the empty string's hash for no body). */
  bodyHash: hex64,
  /** The body's length in bytes (what the prompt showed). */
  bodyBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** When the gateway made the request's digest. */
  time,
  /** 16 random bytes, base64url (22 characters): one use only. */
  nonce,
});
export type HttpApprovalRequest = z.infer<typeof httpApprovalRequestSchema>;

/** A run_command use of one credential: the program, its whole argv, where the secret goes, the directory. */
export const runCommandApprovalRequestSchema = z.strictObject({
  v: z.literal(APPROVAL_REQUEST_VERSION),
  itemId,
  agent,
  tool: z.literal('run_command'),
  /** The program's base name (the record's target.command). */
  command: nameToken,
  /** SHA-256 of UTF8(JCS(argv)): the array handed to spawn, the program as the agent named it first. */
  argvHash: hex64,
  /** SHA-256 of UTF8(JCS(names)): the environment variable names this credential goes into, sorted, without repeats. */
  envHash: hex64,
  /** SHA-256 of UTF8(cwd) as handed to spawn; absent when the agent named no directory. */
  cwdHash: hex64.optional(),
  time,
  nonce,
});
export type RunCommandApprovalRequest = z.infer<typeof runCommandApprovalRequestSchema>;

/**
 * A call to a downstream MCP server's tool, and each credential released to that server
 * for it: the server, the tool, and the arguments as forwarded. `itemId` is absent for
 * the server use itself (its record has no target.itemId).
 */
export const downstreamApprovalRequestSchema = z.strictObject({
  v: z.literal(APPROVAL_REQUEST_VERSION),
  itemId: itemId.optional(),
  agent,
  tool: z.literal('downstream'),
  /** The configured server (the record's target.server). */
  server: z.string().regex(/^[A-Za-z0-9-]{1,32}$/, 'server name'),
  /** The downstream tool called (the record's target.serverTool). */
  serverTool: nameToken,
  /** SHA-256 of UTF8(JCS(arguments)) as forwarded; `{}` when the call had none. */
  argumentsHash: hex64,
  time,
  nonce,
});
export type DownstreamApprovalRequest = z.infer<typeof downstreamApprovalRequestSchema>;

/**
 * Every request shape, told apart by `tool`. All are `v: 1`: a `(v, tool)` pair names
 * one frozen shape, a new tool is additive (a verifier that does not know it refuses the
 * record, as for any unknown member), and changing an existing tool's members needs a new `v`.
 */
export const approvalRequestSchema = z.discriminatedUnion('tool', [httpApprovalRequestSchema, runCommandApprovalRequestSchema, downstreamApprovalRequestSchema]);
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

/** A standing grant a use went through, and when the person made it (absent: made before receipts were kept). */
export const receiptGrantSchema = z.strictObject({
  mode: z.enum(['session', 'always']),
  at: time.optional(),
});

/** A security key's assertion over the request (touch to approve). */
export const receiptTouchSchema = z.strictObject({
  /** The approval credential's id (an `approval_key.add` record published its key). */
  credentialId: b64url(1366),
  /** WebAuthn authenticator data as the key returned it. */
  authenticatorData: b64url(5462),
  /** The key's signature over authenticatorData || clientDataHash (ES256: ASN.1 DER; EdDSA: 64 bytes). */
  signature: b64url(1366),
});

export const approvalReceiptSchema = z.strictObject({
  v: z.literal(1),
  /** Lowercase hex SHA-256(UTF8(JCS(request))). */
  digest: hex64,
  request: approvalRequestSchema,
  grant: receiptGrantSchema.optional(),
  touch: receiptTouchSchema.optional(),
});
export type ApprovalReceipt = z.infer<typeof approvalReceiptSchema>;

/** A public key in JWK members (RFC 7517/8037), converted from the COSE key of the attested credential data. */
export const approvalPublicKeySchema = z.discriminatedUnion('kty', [
  z.strictObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string().regex(/^[A-Za-z0-9_-]{43}$/), y: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }),
  z.strictObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }),
]);

/** The `approvalKey` member of an `approval_key.add` record: a security key enrolled to approve uses. */
export const approvalKeySchema = z.strictObject({
  credentialId: b64url(1366),
  /** COSE algorithm: -7 ES256, -8 EdDSA (Ed25519). */
  alg: z.union([z.literal(-7), z.literal(-8)]),
  publicKey: approvalPublicKeySchema,
  rpId: z.literal(APPROVAL_RP_ID),
});
export type ApprovalKey = z.infer<typeof approvalKeySchema>;
