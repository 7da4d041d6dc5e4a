/** What the gateway's tools share: authorization, scrubbing, egress and limits. */
import type { ApprovalReceipt } from '../../../shared/contracts/approval-receipt';
import type { GUARD_REASONS } from '../../../shared/contracts/audit-event';
import { LatchkeyError } from '../../../shared/errors';
import type { EgressPool } from '../../egress/pool';
import type { Resolver } from '../../egress/request';
import type { AuditFacts } from '../activity';
import type { AuthorizeDeps } from '../authorize';
import type { AuthenticatedAgent } from '../registry';
import type { RunProxyConfig } from '../../proxy/config';
import type { CanaryAlarm } from './canary';
import type { EchoLedger } from './echo-guard';

/** Where a result came from, for the canary alarm and the result guards' records. */
export interface ResultSource {
  /** The tool label: http_request, run_command, downstream:<server>. */
  readonly tool: string;
  /** An origin, `command: <name>` or `mcp: <server>`. */
  readonly destination: string | null;
  readonly audit: AuditFacts;
}

/** What a result guard can find (src/shared/contracts/audit-event.ts GUARD_REASONS). */
export type GuardReason = (typeof GUARD_REASONS)[number];

export interface GatewayLimits {
  /** Per hop, milliseconds. */
  readonly httpTimeoutMs: number;
  /** Response body bytes returned to the agent (the rest is dropped, `truncated: true`). */
  readonly maxResponseBytes: number;
  /** Same-origin redirects followed; a redirect to another origin is never followed. */
  readonly maxRedirects: number;
  readonly commandTimeoutMs: number;
  /** Per stream (stdout, stderr), bytes. */
  readonly maxCommandOutputBytes: number;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  httpTimeoutMs: 30_000,
  maxResponseBytes: 256 * 1024,
  maxRedirects: 5,
  commandTimeoutMs: 60_000,
  maxCommandOutputBytes: 256 * 1024,
};

/** One credential (or a downstream server) about to be used once, after grant, policy and approval. */
export interface CredentialRelease {
  /** The activity label: the tool name, or `downstream:<server>`. */
  readonly label: string;
  /** null for a downstream server's own use (no credential: the grant is agent x server). */
  readonly itemId: string | null;
  readonly credentialName: string | null;
  /** For the live activity view: an origin or `command: <name>`. */
  readonly destination: string;
  /** authorize.ts's approval basis (always, session, approved_once …). */
  readonly basis: string;
  readonly audit: AuditFacts;
  /** The redeemed approval receipt of this use (http_request), signed into its release record. */
  readonly receipt?: ApprovalReceipt;
}

export interface ToolContext extends AuthorizeDeps {
  readonly echoes: EchoLedger;
  readonly resolver: Resolver;
  /** Kept-alive egress connections, per origin and checked address. */
  readonly pool: EgressPool;
  readonly limits: GatewayLimits;
  /**
   * Signs this use into the audit log. Called after authorization and BEFORE the secret
   * is sent, injected or handed to a process: it throws `audit_unavailable` when the
   * record cannot be written, and the caller then does not use the secret.
   */
  readonly recordRelease: (agent: AuthenticatedAgent, release: CredentialRelease) => Promise<void>;
  /** Signs a guard's finding about a released credential (reason `echo_detected` …) as a failed use. */
  readonly recordGuard: (agent: AuthenticatedAgent, release: CredentialRelease, reason: GuardReason) => Promise<void>;
  /**
   * Signs a result guard's finding that is about the result, not one released
   * credential: a DLP rule (dlp_redacted / dlp_warned / dlp_blocked, naming the rule,
   * never the match) or content withheld. `blocked` and withheld results are failures.
   */
  readonly recordFinding: (agent: AuthenticatedAgent, source: ResultSource, reason: GuardReason, extra?: { readonly dlpRule?: string; readonly itemId?: string }) => Promise<void>;
  /** Canary credentials' alarm (tools/canary.ts). */
  readonly canary?: CanaryAlarm;
  /** run_command also needs the person's (or policy's) switch; checked by policy.assertToolAllowed. */
  /** Set: run_command runs in proxy mode (placeholders in the child, src/main/proxy). */
  readonly runProxy?: RunProxyConfig;
  /** Signs a refusal by the run proxy (a placeholder on its way to a destination the item does not allow). */
  readonly recordRefusal?: (agent: AuthenticatedAgent, release: CredentialRelease, reason: 'destination_refused') => Promise<void>;
}

/** A tool's outcome before it becomes an MCP result: text, already scrubbed. Its uses were recorded as they were released. */
export interface ToolOutcome {
  readonly text: string;
}

/**
 * Scrubs a whole result in ONE engine call ('results.scrub'), just before it leaves.
 * Callers pass complete texts (already size-capped), never pieces, so a secret that
 * arrived split across network reads or process writes is one contiguous match here.
 * Fails closed: if the engine cannot scrub (locked, gone), the result is not returned.
 */
export async function scrubTexts(ctx: Pick<AuthorizeDeps, 'credentials'>, texts: string[], truncated?: boolean[]): Promise<string[]> {
  if (texts.length === 0) return [];
  const out = await (truncated?.some((t) => t) === true ? ctx.credentials.scrub(texts, truncated) : ctx.credentials.scrub(texts));
  if (out.length !== texts.length) throw new LatchkeyError('internal', 'The vault returned a malformed scrub result.');
  return out;
}

export async function scrubText(ctx: Pick<AuthorizeDeps, 'credentials'>, text: string): Promise<string> {
  return (await scrubTexts(ctx, [text]))[0]!;
}
