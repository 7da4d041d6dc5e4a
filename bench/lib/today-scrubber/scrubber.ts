/**
 * THE BASELINE, frozen: src/core/scrub/scrubber.ts as it was before issue 10 (commit 67428f4),
 * so bench/scrub.bench.ts can run today's scrubber beside the new one on the same input.
 * Not used by the app.
 */
/**
 * Redacts every known secret, in every encoded form (see forms.ts), from text on its
 * way to an agent. Pure TypeScript (no Node, no DOM): the engine builds one Scrubber
 * per vault unlock from ALL the vault's concealed values (not just the credential in
 * use: a response may echo another secret the server holds) and drops it at lock
 * (src/core/vault/scrub-set.ts). Main never holds it: it sends results to the engine's
 * 'results.scrub'.
 *
 * The streaming variant keeps `maxLength - 1` characters of carry-over (more when a
 * match straddles the cut) so a secret split across chunks is still caught.
 */
import { AhoCorasick } from './aho-corasick';
import { secretForms } from './forms';

export const REDACTED = '[REDACTED by Latchkey]';

export class Scrubber {
  private readonly matcher: AhoCorasick;

  constructor(secrets: Iterable<string>) {
    const patterns: string[] = [];
    for (const s of secrets) patterns.push(...secretForms(s));
    this.matcher = new AhoCorasick(patterns);
  }

  get maxPatternLength(): number {
    return this.matcher.maxLength;
  }

  get patternCount(): number {
    return this.matcher.patternCount;
  }

  /** Merged [start, end) spans of every match in `text`, in order. */
  spans(text: string): Array<[number, number]> {
    const spans: Array<[number, number]> = [];
    this.matcher.scan(text, (end, length) => {
      const start = end - length;
      const last = spans[spans.length - 1];
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else spans.push([start, end]);
    });
    // A later, longer match can start before an earlier span: merge once more.
    spans.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.push([s[0], s[1]]);
    }
    return merged;
  }

  /** `text` with every match replaced by {@link REDACTED}. */
  scrub(text: string): string {
    return this.redact(text).text;
  }

  /** Like scrub(), and how many spans were replaced. */
  redact(text: string): { text: string; redactions: number } {
    const spans = this.spans(text);
    return { text: applySpans(text, spans), redactions: spans.length };
  }

  /** True when `secret` (long enough to be scrubbed at all) is one of the patterns. */
  covers(secret: string): boolean {
    const forms = secretForms(secret);
    if (forms.length === 0) return true;
    const spans = this.spans(secret);
    return spans.length === 1 && spans[0]![0] === 0 && spans[0]![1] === secret.length;
  }

  /** True when `text` contains any form of any secret. */
  contains(text: string): boolean {
    return this.spans(text).length > 0;
  }

  stream(): StreamScrubber {
    return new StreamScrubber(this);
  }
}

/** Feed chunks in order with push(); call end() once. Output concatenated = scrub(whole). */
export class StreamScrubber {
  private carry = '';
  constructor(private readonly scrubber: Scrubber) {}

  push(chunk: string): string {
    const text = this.carry + chunk;
    const keep = Math.max(0, this.scrubber.maxPatternLength - 1);
    let cut = Math.max(0, text.length - keep);
    const spans = this.scrubber.spans(text);
    // Never cut through a match: hold back from its start (it is re-found next time).
    for (const [a, b] of spans) if (a < cut && b > cut) cut = a;
    this.carry = text.slice(cut);
    return applySpans(
      text.slice(0, cut),
      spans.filter(([, b]) => b <= cut),
    );
  }

  end(): string {
    const rest = this.scrubber.scrub(this.carry);
    this.carry = '';
    return rest;
  }
}

function applySpans(text: string, spans: Array<[number, number]>): string {
  if (spans.length === 0) return text;
  let out = '';
  let pos = 0;
  for (const [a, b] of spans) {
    out += text.slice(pos, a) + REDACTED;
    pos = b;
  }
  return out + text.slice(pos);
}
