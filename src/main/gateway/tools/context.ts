/** What the gateway's tools share: authorization, scrubbing, egress and limits. */
import type { Resolver } from '../../egress/request';
import type { AuthorizeDeps } from '../authorize';
import type { ScrubberCache } from '../scrub/cache';

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

export interface ToolContext extends AuthorizeDeps {
  readonly scrubbers: ScrubberCache;
  readonly resolver: Resolver;
  readonly limits: GatewayLimits;
  /** run_command also needs the person's (or policy's) switch; checked by policy.assertToolAllowed. */
}

/** A tool's outcome before it becomes an MCP result: text (already scrubbed) + activity facts. */
export interface ToolOutcome {
  readonly text: string;
  readonly itemId: string | null;
  readonly credentialName: string | null;
  readonly destination: string | null;
  readonly reason: string | null;
}
