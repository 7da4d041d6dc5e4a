/** What the gateway's tools share: authorization, scrubbing, egress and limits. */
import { LatchkeyError } from '../../../shared/errors';
import type { Resolver } from '../../egress/request';
import type { AuthorizeDeps } from '../authorize';

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

/**
 * Scrubs a whole result in ONE engine call ('results.scrub'), just before it leaves.
 * Callers pass complete texts (already size-capped), never pieces, so a secret that
 * arrived split across network reads or process writes is one contiguous match here.
 * Fails closed: if the engine cannot scrub (locked, gone), the result is not returned.
 */
export async function scrubTexts(ctx: Pick<AuthorizeDeps, 'credentials'>, texts: string[]): Promise<string[]> {
  if (texts.length === 0) return [];
  const out = await ctx.credentials.scrub(texts);
  if (out.length !== texts.length) throw new LatchkeyError('internal', 'The vault returned a malformed scrub result.');
  return out;
}

export async function scrubText(ctx: Pick<AuthorizeDeps, 'credentials'>, text: string): Promise<string> {
  return (await scrubTexts(ctx, [text]))[0]!;
}
