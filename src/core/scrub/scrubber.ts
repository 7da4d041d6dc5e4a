/**
 * Redacts every known secret, in every encoded form, from text on its way to an agent.
 * Pure TypeScript (no Node, no DOM): the engine keeps one Scrubber per vault unlock
 * over ALL the vault's concealed values (not just the credential in use: a response
 * may echo another secret the server holds), updates it as items change and drops it
 * at lock (src/core/vault/scrub-set.ts). Main never holds it: it sends results to the
 * engine's 'results.scrub'.
 *
 * Decode, then match, then redact in the original (docs/gateway.md, "Scrubbing"):
 * 1. views off: the exact forms of forms.ts `secretForms` (raw, hex, percent, JSON,
 *    base64 at each alignment…) are matched in the text itself;
 * 2. views on (the default): the secret itself (forms.ts `viewForms`) is matched in the
 *    text and in normalizing views of it (views.ts), which decode what the encoded forms
 *    would match and more: the text unescaped (percent, `\u`, `\x`, HTML entities;
 *    repeatedly, for JSON escaped more than once), and every base64 or hex run of those
 *    decoded at every alignment;
 * 3. in every view, the fuzzy patterns of long, random secrets (forms.ts fuzzyForms:
 *    folded skeleton, forward and reversed) are matched with separators, whitespace
 *    and NULs skipped and case folded: spaced, dashed, upper-cased, UTF-16, reversed;
 * 4. a text cut at its end (`truncated`) also loses a trailing prefix (≥ 8 characters)
 *    of any exact form, in any view that reaches the cut.
 * Every hit is mapped back to its span in the original, and the merged spans replaced.
 */
import { FUZZY_MIN_LENGTH, fuzzyForms, MIN_SECRET_LENGTH, secretForms, viewForms } from './forms';
import { GramIndex, makeFold, SKIP } from './gram-index';
import { scanBegin, scanEnd } from './scratch';
import { decodedRuns, identityView, toOriginal, unescape, type View } from './views';

export const REDACTED = '[REDACTED by Latchkey]';

/** A trailing fragment of a cut text shorter than this is left alone: too likely to be chance. */
export const MIN_CUT_PREFIX = 8;
/** Repeated unescaping stops here (a secret JSON-escaped four times is still found). */
const MAX_UNESCAPE_DEPTH = 4;
/** Runs inside decoded runs are decoded too, this deep (base64 of hex of base64). */
const MAX_RUN_DEPTH = 3;
const EXACT_GRAM = 6;
/**
 * Exact patterns this long or longer go to a strided index (gram-index.ts): the text is
 * hashed every LONG_PATTERN − EXACT_GRAM + 1 characters instead of every one. Shorter
 * ones (short passwords) keep the per-character index, scanned only when there are any.
 */
const LONG_PATTERN = 16;
/**
 * The fuzzy index is not strided: a strided folded scan (a sample reads the next q kept
 * characters) measured only ≈ 20 % faster for 11× the entries (build time and memory
 * at 100k items), since skipping separators costs a branch per character either way.
 */
const FUZZY_GRAM = 8;
/** Forms per secret are fewer than this (forms.ts): refs are slot * FORM_STRIDE + form. */
const FORM_STRIDE = 32;
const FORM_CACHE = 4096;
/** Characters kept before a match held back by the stream scrubber. */
const STREAM_CONTEXT = 64;

export interface ScrubOptions {
  /** Normalizing and fuzzy views (on by default); off: the exact forms only. */
  readonly views?: boolean;
}

export interface ScrubScope {
  /** The text was cut at its end (a size cap): a trailing prefix of a secret is redacted too. */
  readonly truncated?: boolean;
}

/**
 * Which secrets a scan matched, filled in by spans()/redact() when passed: what lets the
 * engine answer main's echo guard from the one vault-wide scan instead of main scanning
 * the whole result again with a one-secret matcher (every view again: as costly as the
 * scrub itself).
 */
export interface ScrubHits {
  /** Every secret one of whose forms (or fuzzy patterns) matched. */
  readonly secrets: Set<string>;
  /** A cut text's trailing prefix matched: the prefix index does not say whose, so any secret may be there. */
  cutPrefix: boolean;
}

/**
 * Characters the skeleton view drops: C0 and C1 controls (NUL: UTF-16 text read as bytes),
 * whitespace of every kind, zero-width and soft hyphen, and the ASCII separators
 * people and programs put between characters.
 */
function isSeparator(c: number): boolean {
  return (
    c <= 0x20 ||
    (c >= 0x7f && c <= 0x9f) ||
    c === 0xa0 ||
    c === 0xad ||
    (c >= 0x2000 && c <= 0x200f) ||
    (c >= 0x2028 && c <= 0x202f) ||
    (c >= 0x205f && c <= 0x2064) ||
    c === 0x3000 ||
    c === 0xfeff ||
    '-_.,:;|\'"`'.includes(String.fromCharCode(c))
  );
}

let skeleton: Uint16Array | null = null;
function skeletonFold(): Uint16Array {
  skeleton ??= makeFold(isSeparator, true);
  return skeleton;
}

export class Scrubber {
  /** Secret by slot (null: free). A secret held by several owners has one slot. */
  private readonly slots: Array<string | null> = [];
  private readonly freeSlots: number[] = [];
  private readonly bySecret = new Map<string, { slot: number; owners: number }>();
  private readonly owners = new Map<string, string[]>();
  private readonly exact: GramIndex;
  private readonly exactLong: GramIndex;
  private readonly prefix: GramIndex;
  private readonly fuzzy: GramIndex | null;
  private readonly formCache = new Map<number, string[]>();
  private readonly fuzzyCache = new Map<number, string[]>();
  private readonly views: boolean;
  private patterns = 0;

  constructor(secrets: Iterable<string> = [], options: ScrubOptions = {}) {
    this.views = options.views ?? true;
    const formOf = (ref: number): string => this.formsOf(Math.floor(ref / FORM_STRIDE))[ref % FORM_STRIDE]!;
    this.exact = new GramIndex(EXACT_GRAM, true, null, formOf);
    this.exactLong = new GramIndex(EXACT_GRAM, true, null, formOf, LONG_PATTERN - EXACT_GRAM + 1);
    this.prefix = new GramIndex(MIN_CUT_PREFIX, false, null, (ref) => this.formsOf(Math.floor(ref / FORM_STRIDE))[ref % FORM_STRIDE]!);
    this.fuzzy = this.views ? new GramIndex(FUZZY_GRAM, true, skeletonFold(), (ref) => this.fuzzyOf(ref >> 1)[ref & 1]!) : null;
    this.set('', [...secrets]);
  }

  /** Longest pattern: what a streaming caller must keep to find a match across chunks. */
  get maxPatternLength(): number {
    return Math.max(this.exact.maxLength, this.exactLong.maxLength, this.fuzzy?.maxLength ?? 0);
  }

  get patternCount(): number {
    return this.patterns;
  }

  /** Bytes held by the indexes (the secrets themselves not counted). */
  get indexBytes(): number {
    return this.exact.bytes + this.exactLong.bytes + this.prefix.bytes + (this.fuzzy?.bytes ?? 0);
  }

  /**
   * Makes `secrets` the values of `owner` (an item id), replacing what it had: the
   * incremental update behind item add, change and delete. O(forms of the changed values).
   */
  set(owner: string, secrets: readonly string[]): void {
    const old = this.owners.get(owner) ?? [];
    const next = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))];
    for (const s of next) this.retain(s);
    for (const s of old) this.release(s);
    if (next.length > 0) this.owners.set(owner, next);
    else this.owners.delete(owner);
  }

  delete(owner: string): void {
    this.set(owner, []);
  }

  private retain(secret: string): void {
    const known = this.bySecret.get(secret);
    if (known) {
      known.owners++;
      return;
    }
    const slot = this.freeSlots.pop() ?? this.slots.length;
    this.slots[slot] = secret;
    this.bySecret.set(secret, { slot, owners: 1 });
    const forms = this.formsOf(slot);
    const first = this.firstExact(slot);
    for (let k = 0; k < forms.length; k++) {
      if (k >= first) this.exactFor(forms[k]!).add(slot * FORM_STRIDE + k, forms[k]!);
      if (forms[k]!.length > MIN_CUT_PREFIX) this.prefix.add(slot * FORM_STRIDE + k, forms[k]!);
    }
    this.patterns += forms.length - first;
    if (this.fuzzy) {
      const fz = this.fuzzyOf(slot);
      for (let k = 0; k < fz.length; k++) this.fuzzy.add(slot * 2 + k, fz[k]!);
      this.patterns += fz.length;
    }
  }

  private exactFor(form: string): GramIndex {
    return form.length >= LONG_PATTERN ? this.exactLong : this.exact;
  }

  private release(secret: string): void {
    const known = this.bySecret.get(secret);
    if (!known || --known.owners > 0) return;
    const slot = known.slot;
    const forms = this.formsOf(slot);
    const first = this.firstExact(slot);
    for (let k = 0; k < forms.length; k++) {
      if (k >= first) this.exactFor(forms[k]!).delete(slot * FORM_STRIDE + k, forms[k]!);
      if (forms[k]!.length > MIN_CUT_PREFIX) this.prefix.delete(slot * FORM_STRIDE + k, forms[k]!);
    }
    this.patterns -= forms.length - first;
    if (this.fuzzy) {
      const fz = this.fuzzyOf(slot);
      for (let k = 0; k < fz.length; k++) this.fuzzy.delete(slot * 2 + k, fz[k]!);
      this.patterns -= fz.length;
    }
    this.bySecret.delete(secret);
    this.slots[slot] = null;
    this.freeSlots.push(slot);
    this.formCache.delete(slot);
    this.fuzzyCache.delete(slot);
  }

  /**
   * Views on: a secret with fuzzy patterns needs no exact pattern for itself (form 0):
   * its folded skeleton matches every raw occurrence too (widen() adds the separators
   * it begins or ends with), so the text is scanned once for both. Its other forms (Latin-1 bytes, `+` for space) stay exact; the prefix
   * index keeps form 0 for cut texts.
   */
  private firstExact(slot: number): number {
    return this.views && this.fuzzyOf(slot).length > 0 ? 1 : 0;
  }

  /**
   * A fuzzy match spans the skeleton only: a separator the secret itself begins or ends
   * with (`-----BEGIN …`, `…==`) lies outside it. Widen the span over as many separators
   * as the secret has there, when the text has them (reversed forms: the other way).
   */
  private widen(text: string, ref: number, a: number, b: number): [number, number] {
    const secret = this.slots[ref >> 1]!;
    let lead = 0;
    while (lead < secret.length && isSeparator(secret.charCodeAt(lead))) lead++;
    let trail = 0;
    while (trail < secret.length - lead && isSeparator(secret.charCodeAt(secret.length - 1 - trail))) trail++;
    if ((ref & 1) === 1) [lead, trail] = [trail, lead];
    for (; lead > 0 && a > 0 && isSeparator(text.charCodeAt(a - 1)); lead--) a--;
    for (; trail > 0 && b < text.length && isSeparator(text.charCodeAt(b)); trail--) b++;
    return [a, b];
  }

  /**
   * The index keeps no pattern text (memory at 100k items): forms are recomputed from
   * the secret when a candidate is verified or an entry removed, with a small cache for
   * a text that echoes the same secrets many times.
   */
  private formsOf(slot: number): string[] {
    let f = this.formCache.get(slot);
    if (f === undefined) {
      f = this.views ? viewForms(this.slots[slot]!) : secretForms(this.slots[slot]!);
      if (this.formCache.size >= FORM_CACHE) this.formCache.clear();
      this.formCache.set(slot, f);
    }
    return f;
  }

  private fuzzyOf(slot: number): string[] {
    let f = this.fuzzyCache.get(slot);
    if (f === undefined) {
      f = fuzzyForms(this.slots[slot]!, skeletonFold(), SKIP);
      if (this.fuzzyCache.size >= FORM_CACHE) this.fuzzyCache.clear();
      this.fuzzyCache.set(slot, f);
    }
    return f;
  }

  /** Merged [start, end) spans of every match in `text`, in order. */
  spans(text: string, scope: ScrubScope = {}, hits?: ScrubHits): Array<[number, number]> {
    // The views made here are read only until it returns: their arrays are reused after (scratch.ts).
    scanBegin();
    try {
      return this.spansOf(text, scope, hits);
    } finally {
      scanEnd();
    }
  }

  private spansOf(text: string, scope: ScrubScope, hits: ScrubHits | undefined): Array<[number, number]> {
    const found: Array<[number, number]> = [];
    // Views off: only the exact indexes read the root, through the string; no code units needed.
    const root = identityView(text, this.views);
    this.scanView(root, scope, found, hits);
    if (this.views) {
      const textViews: View[] = [root];
      let v: View = root;
      for (let d = 0; d < MAX_UNESCAPE_DEPTH; d++) {
        const u = unescape(v);
        if (u === null) break;
        this.scanView(u, scope, found, hits);
        textViews.push(u);
        v = u;
      }
      for (const tv of textViews) {
        for (const bv of decodedRuns(tv)) this.scanDecoded(bv, scope, found, 1, hits);
      }
    }
    return merge(found);
  }

  /** A decoded run view: scanned, unescaped once, and its own runs decoded (base64 of hex…) down to MAX_RUN_DEPTH. */
  private scanDecoded(v: View, scope: ScrubScope, found: Array<[number, number]>, depth: number, hits: ScrubHits | undefined): void {
    this.scanView(v, scope, found, hits);
    const u = unescape(v);
    if (u !== null) this.scanView(u, scope, found, hits);
    if (depth < MAX_RUN_DEPTH) for (const inner of decodedRuns(u ?? v)) this.scanDecoded(inner, scope, found, depth + 1, hits);
  }

  private scanView(v: View, scope: ScrubScope, found: Array<[number, number]>, hits: ScrubHits | undefined): void {
    const add = (a: number, b: number): void => void found.push(toOriginal(v, a, b));
    const exactHit =
      hits === undefined
        ? add
        : (a: number, b: number, ref: number): void => {
            hits.secrets.add(this.slots[Math.floor(ref / FORM_STRIDE)]!);
            add(a, b);
          };
    this.exact.scan(v.text, exactHit);
    this.exactLong.scan(v.text, exactHit);
    if (this.fuzzy && v.text.length >= FUZZY_MIN_LENGTH) {
      this.fuzzy.scan(
        v.text,
        (a, b, ref) => {
          hits?.secrets.add(this.slots[ref >> 1]!);
          const [wa, wb] = this.widen(v.text, ref, a, b);
          add(wa, wb);
        },
        v.codes ?? undefined,
      );
    }
    if (scope.truncated === true && v.reachesEnd) {
      const p = this.prefix.cutPrefix(v.text, MIN_CUT_PREFIX);
      if (p >= 0) {
        if (hits) hits.cutPrefix = true;
        add(p, v.text.length);
      }
    }
  }

  /** `text` with every match replaced by {@link REDACTED}. */
  scrub(text: string, scope: ScrubScope = {}): string {
    return this.redact(text, scope).text;
  }

  /** Like scrub(), and how many spans were replaced. */
  redact(text: string, scope: ScrubScope = {}, hits?: ScrubHits): { text: string; redactions: number } {
    const spans = this.spans(text, scope, hits);
    return { text: applySpans(text, spans), redactions: spans.length };
  }

  /** True when `secret` (long enough to be scrubbed at all) is one of the patterns. */
  covers(secret: string): boolean {
    if (secretForms(secret).length === 0) return true;
    const spans = this.spans(secret);
    return spans.length === 1 && spans[0]![0] === 0 && spans[0]![1] === secret.length;
  }

  /** True when `text` contains any form of any secret. */
  contains(text: string, scope: ScrubScope = {}): boolean {
    return this.spans(text, scope).length > 0;
  }

  stream(): StreamScrubber {
    return new StreamScrubber(this);
  }
}

function merge(found: Array<[number, number]>): Array<[number, number]> {
  found.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const s of found) {
    const last = merged[merged.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else merged.push([s[0], s[1]]);
  }
  return merged;
}

/**
 * Feed chunks in order with push(); call end() once. Keeps enough carry-over that a
 * secret split across chunks is still caught: the longest pattern, times the widest
 * escape one character can take in a view (`&#x0000006C;`). The gateway itself never
 * streams: it scrubs each whole, capped result at once.
 */
export class StreamScrubber {
  private carry = '';
  constructor(private readonly scrubber: Scrubber) {}

  push(chunk: string): string {
    // One flat string, not `carry + chunk`: that is a rope (a cons string), and every view
    // and index scan of the text then reads each character through it (≈ 1.5× slower
    // scans, measured: about half of what the stream cost over one whole scrub). Array join
    // copies both into a new sequential string, ≈ 3 µs per 16 KiB.
    const text = [this.carry, chunk].join('');
    const keep = Math.max(0, this.scrubber.maxPatternLength * 12 - 1);
    let cut = Math.max(0, text.length - keep);
    const spans = this.scrubber.spans(text);
    // Never cut through or just before a match: hold it back with some text before it,
    // so that a view needing context (the base64 group a match starts inside) finds it
    // again next time.
    for (let i = spans.length - 1; i >= 0; i--) {
      const [a, b] = spans[i]!;
      if (a < cut + STREAM_CONTEXT && b > cut) cut = Math.max(0, a - STREAM_CONTEXT);
    }
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
