/**
 * The one path every result text takes on its way to an agent — http_request's body and
 * headers, run_command's output, a downstream server's result — in this order:
 *  1. the engine's vault-wide scrub (every form of every concealed value redacted), in
 *     ONE call for the whole result, which also names any canary whose value was there;
 *  2. a canary found trips the alarm (tools/canary.ts);
 *  3. DLP (../dlp) on the scrubbed texts, per policy: redact, warn (annotated) or block.
 * Every finding is signed before the result leaves (no record, no result). The echo
 * guard runs before this, in each tool, against the one secret it injected.
 */
import { LatchkeyError } from '../../../shared/errors';
import type { DlpCategory } from '../../../shared/policy';
import { applyDlp, dlpActions } from '../dlp';
import type { AuthenticatedAgent } from '../registry';
import { scrubTexts, type ResultSource, type ToolContext } from './context';
import { holdsSecret } from './echo-guard';

export interface Screened {
  /** Set: the echo guard found the injected secret; nothing else was done (no canary, no DLP), the caller withholds the result. */
  readonly echoed?: true;
  readonly texts: string[];
  /** DLP `warn` findings, for the result's annotation: category and rule id only. */
  readonly warnings: ReadonlyArray<{ readonly category: DlpCategory; readonly rule: string }>;
  /** A `block` category was found: the caller withholds the result and says why. */
  readonly blocked: ReadonlyArray<{ readonly category: DlpCategory; readonly rule: string }> | null;
}

export const DLP_BLOCK_NOTE = 'Latchkey withheld this result: it contains data that policy does not let reach an agent';

/**
 * The echo guard's question, asked of the texts being screened: does any hold `secret`
 * (the one the tool injected)? `since`: the credential cache's generation read before
 * the secret was fetched.
 */
export interface EchoCheck {
  readonly secret: string;
  readonly since: number;
  /** The API credential the secret was released from: the engine then says which texts may hold it (`echoIn`), from its one scan. */
  readonly itemId?: string;
}

export async function screenTexts(ctx: ToolContext, agent: AuthenticatedAgent, source: ResultSource, texts: string[], truncated?: boolean[], echo?: EchoCheck): Promise<Screened> {
  let clean: string[];
  let canaries: string[] = [];
  // Texts the echo guard must look in: all of them, unless the engine says which had a redaction.
  let echoIn: readonly number[] | null = null;
  const scrubResults = ctx.credentials.scrubResults;
  if (scrubResults && texts.length > 0) {
    const cut = truncated?.some((t) => t) === true ? truncated : undefined;
    const r = await (echo?.itemId !== undefined
      ? scrubResults.call(ctx.credentials, texts, cut, echo.itemId)
      : cut
        ? scrubResults.call(ctx.credentials, texts, cut)
        : scrubResults.call(ctx.credentials, texts));
    if (r.texts.length !== texts.length) throw new LatchkeyError('internal', 'The vault returned a malformed scrub result.');
    clean = r.texts;
    canaries = r.canaries;
    // The vault-wide matcher holds every form of the injected secret, so a text it left
    // untouched cannot hold it: a clean result needs no one-secret matcher at all. That
    // holds only while the vault is the one the secret came from, unchanged (an edit
    // since then may have taken the old value out of the matcher): else look everywhere.
    // Narrower still when the engine names the texts where a form of that credential's
    // value matched in its scan (`echoIn`): the one-secret check, every view again over
    // the whole result, then runs only where the answer is almost surely yes.
    if (echo && ctx.credentials.generation() === echo.since) {
      const where = echo.itemId !== undefined && r.echoIn ? r.echoIn : r.redacted;
      if (where) echoIn = where.filter((i) => i < texts.length);
    }
  } else clean = await scrubTexts(ctx, texts, truncated);
  if (echo) {
    const idx = echoIn ?? texts.map((_, i) => i);
    if (
      idx.length > 0 &&
      holdsSecret(
        echo.secret,
        idx.map((i) => ({ text: texts[i]!, truncated: truncated?.[i] === true })),
      )
    ) {
      return { echoed: true, texts: [], warnings: [], blocked: null };
    }
  }
  for (const itemId of canaries) {
    await ctx.canary?.trip(agent, { itemId, credentialName: null, how: 'result', tool: source.tool, destination: source.destination, audit: source.audit });
  }
  const dlp = await applyDlp(clean, dlpActions(ctx.policy()));
  for (const f of dlp.findings) {
    const reason = f.action === 'block' ? 'dlp_blocked' : f.action === 'warn' ? 'dlp_warned' : 'dlp_redacted';
    await ctx.recordFinding(agent, source, reason, { dlpRule: f.rule });
  }
  const warnings = dlp.findings.filter((f) => f.action === 'warn').map(({ category, rule }) => ({ category, rule }));
  const blocked = dlp.blocked ? dlp.findings.filter((f) => f.action === 'block').map(({ category, rule }) => ({ category, rule })) : null;
  return { texts: dlp.texts, warnings, blocked };
}

/** The annotation of a result with DLP warnings, or null. */
export function dlpWarningNote(warnings: Screened['warnings']): string | null {
  if (warnings.length === 0) return null;
  const cats = [...new Set(warnings.map((w) => w.category))].join(', ');
  return `Latchkey DLP: this result contains ${cats} (rules: ${[...new Set(warnings.map((w) => w.rule))].join(', ')}). Treat it as sensitive.`;
}

export function dlpBlockNote(blocked: NonNullable<Screened['blocked']>): string {
  return `${DLP_BLOCK_NOTE} (${[...new Set(blocked.map((b) => b.category))].join(', ')}; rules: ${[...new Set(blocked.map((b) => b.rule))].join(', ')}).`;
}
