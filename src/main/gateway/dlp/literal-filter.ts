/**
 * Which of a fixed set of literals MAY occur in a text, at the cost of a few single-
 * character `indexOf` scans: the DLP's prefilter (secretlint-prefilter.ts) asks it which
 * of the preset's rules could report at all. Never a false "absent": a literal that
 * occurs is always reported (the unit test checks it against `includes`).
 *
 * Why not `includes` per literal: V8 searches a multi-character pattern at ≈ 0.5 ms per
 * MiB (measured here), about what one of the rules' own regexes costs, so 50 literals
 * cost more than the rules; a regex alternation of them all is no faster, and a JS loop
 * over every character neither. A single character that is absent is found absent at
 * memchr speed (≈ 0.02 ms per MiB). So each literal is anchored on its punctuation
 * (`_` `/` `.` `-` `:`, rarer in text than letters, and what token prefixes end with):
 * the text is searched for each anchor character, and only where one occurs are the
 * literals anchored there compared, picked by the character beside the anchor. A literal
 * without such a character is always reported as possibly there.
 */

/** Anchor characters, rarest in ordinary text (JSON, prose, logs) first. */
const ANCHORS = '_/.-:';

interface Anchored {
  readonly literal: number;
  /** Where the anchor is in the literal. */
  readonly at: number;
}

interface AnchorGroup {
  readonly char: string;
  /** Side of the anchor whose character picks the candidates: -1 before it, +1 after. */
  readonly side: -1 | 1;
  /** Candidates by the UTF-16 code of that neighbouring character. */
  readonly byNeighbour: Map<number, Anchored[]>;
  readonly count: number;
}

export class LiteralFilter {
  private readonly groups: AnchorGroup[] = [];
  /** Literals with no anchor character: always "may occur". */
  private readonly unanchored: number[] = [];

  constructor(readonly literals: readonly string[]) {
    const byChar = new Map<string, { before: Anchored[]; after: Anchored[] }>();
    literals.forEach((l, i) => {
      if (l.length < 2) throw new Error('A filter literal has at least 2 characters.');
      for (const c of ANCHORS) {
        const at = l.indexOf(c);
        if (at < 0) continue;
        const g = byChar.get(c) ?? { before: [], after: [] };
        byChar.set(c, g);
        (at > 0 ? g.before : g.after).push({ literal: i, at });
        return;
      }
      this.unanchored.push(i);
    });
    for (const [char, { before, after }] of byChar) {
      for (const [side, list] of [
        [-1, before],
        [1, after],
      ] as const) {
        if (list.length === 0) continue;
        const byNeighbour = new Map<number, Anchored[]>();
        for (const a of list) {
          const code = literals[a.literal]!.charCodeAt(a.at + side);
          byNeighbour.set(code, [...(byNeighbour.get(code) ?? []), a]);
        }
        this.groups.push({ char, side, byNeighbour, count: list.length });
      }
    }
  }

  /** may[i]: literal i may occur in `text` (true whenever it does). */
  mayOccur(text: string): boolean[] {
    const may = this.literals.map(() => false);
    for (const i of this.unanchored) may[i] = true;
    for (const g of this.groups) {
      let left = g.count;
      for (let p = text.indexOf(g.char); p >= 0 && left > 0; p = text.indexOf(g.char, p + 1)) {
        const list = g.byNeighbour.get(text.charCodeAt(p + g.side));
        if (list === undefined) continue;
        for (const a of list) {
          if (may[a.literal] || !text.startsWith(this.literals[a.literal]!, p - a.at)) continue;
          may[a.literal] = true;
          left--;
        }
      }
    }
    return may;
  }
}
