/**
 * THE BASELINE, frozen: src/core/scrub/aho-corasick.ts as it was before issue 10 (commit 67428f4),
 * so bench/scrub.bench.ts can run today's scrubber beside the new one on the same input.
 * Not used by the app.
 */
/**
 * Aho–Corasick multi-pattern matcher over UTF-16 code units, built for redaction:
 * every position reports only the LONGEST pattern ending there (`outLen`), which is
 * all a redactor needs — any shorter match ending at the same position lies inside it.
 *
 * Layout (why): 1,000 secrets × ~6–12 encoded forms × ~40 chars is 200k–500k trie
 * nodes, too many for a dense DFA over even a 100-symbol alphabet. So the trie is
 * stored as typed arrays (first-child / next-sibling lists, no per-node objects, no
 * hashing), and only the SHALLOW nodes — where a scan of ordinary text spends nearly
 * all its time, and where branching is wide — get dense DFA rows with the failure
 * transitions folded in, up to DENSE_BUDGET cells. Deeper nodes have one or two
 * children, so a sibling walk there is as cheap as a table. Characters that occur in
 * no pattern map to symbol 0 and send the scan straight back to the root.
 *
 * The automaton holds the patterns (secret material): keep one instance per vault
 * unlock and drop it at lock.
 */

/** Dense DFA cells (Int32): 2^21 = 8 MiB at most, whatever the vault size. */
const DENSE_BUDGET = 1 << 21;

export class AhoCorasick {
  /** UTF-16 code unit -> symbol (0 = in no pattern). 256 KiB, one lookup per char. */
  private readonly symbolOf: Int32Array;
  private readonly alpha: number;
  // Trie as arrays indexed by node (root = 0; 0 also means "none" for child links).
  private readonly firstChild: Int32Array;
  private readonly nextSibling: Int32Array;
  private readonly edgeSym: Int32Array;
  private readonly fail: Int32Array;
  private readonly outLen: Int32Array;
  /** Dense row index of a node, or -1 (sparse). The root always has row 0. */
  private readonly denseRow: Int32Array;
  private readonly dense: Int32Array;
  /** Longest pattern length; streaming callers keep `maxLength - 1` chars of carry-over. */
  readonly maxLength: number;
  readonly patternCount: number;

  constructor(patterns: Iterable<string>) {
    const unique = [...new Set(patterns)].filter((p) => p.length > 0);
    this.patternCount = unique.length;
    this.symbolOf = new Int32Array(0x10000);
    let symbols = 0;
    let total = 0;
    let maxLength = 0;
    for (const p of unique) {
      total += p.length;
      maxLength = Math.max(maxLength, p.length);
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        if (this.symbolOf[c] === 0) this.symbolOf[c] = ++symbols;
      }
    }
    this.alpha = symbols + 1;
    this.maxLength = maxLength;
    const cap = total + 1; // upper bound on the node count
    this.firstChild = new Int32Array(cap);
    this.nextSibling = new Int32Array(cap);
    this.edgeSym = new Int32Array(cap);
    const ownLen = new Int32Array(cap);
    let nodeCount = 1;
    for (const p of unique) {
      let node = 0;
      for (let i = 0; i < p.length; i++) {
        const sym = this.symbolOf[p.charCodeAt(i)]!;
        let next = this.childOf(node, sym);
        if (next === 0) {
          next = nodeCount++;
          this.edgeSym[next] = sym;
          this.nextSibling[next] = this.firstChild[node]!;
          this.firstChild[node] = next;
        }
        node = next;
      }
      ownLen[node] = p.length;
    }
    this.fail = new Int32Array(nodeCount);
    this.outLen = new Int32Array(nodeCount);
    this.denseRow = new Int32Array(nodeCount).fill(-1);
    // One BFS (shallow first). A node's fail state is shallower, hence earlier in BFS
    // order: it is final — and has its dense row if it gets one — before the node is
    // reached. So each node's dense row copies its fail state's row and overrides its own
    // children, and children's fail links are found in O(1) through those rows.
    const rows = Math.min(nodeCount, Math.max(1, Math.floor(DENSE_BUDGET / this.alpha)));
    this.dense = new Int32Array(rows * this.alpha);
    const order = new Int32Array(nodeCount);
    let tail = 1;
    for (let head = 0; head < tail; head++) {
      const node = order[head]!;
      if (head < rows) {
        this.denseRow[node] = head;
        const base = head * this.alpha;
        if (node !== 0) {
          const from = this.denseRow[this.fail[node]!]! * this.alpha;
          this.dense.copyWithin(base, from, from + this.alpha);
        }
        for (let c = this.firstChild[node]!; c !== 0; c = this.nextSibling[c]!) this.dense[base + this.edgeSym[c]!] = c;
      }
      for (let c = this.firstChild[node]!; c !== 0; c = this.nextSibling[c]!) {
        const target = node === 0 ? 0 : this.step(this.fail[node]!, this.edgeSym[c]!);
        this.fail[c] = target;
        this.outLen[c] = Math.max(ownLen[c]!, this.outLen[target]!);
        order[tail++] = c;
      }
    }
  }

  private childOf(node: number, sym: number): number {
    for (let c = this.firstChild[node]!; c !== 0; c = this.nextSibling[c]!) if (this.edgeSym[c] === sym) return c;
    return 0;
  }

  private step(state: number, sym: number): number {
    let s = state;
    for (;;) {
      const row = this.denseRow[s]!;
      if (row >= 0) return this.dense[row * this.alpha + sym]!;
      const next = this.childOf(s, sym);
      if (next !== 0) return next;
      s = this.fail[s]!;
    }
  }

  /**
   * Calls `onMatch(end, length)` for every position where a pattern ends, with the
   * longest such pattern. Linear in `text.length` (amortised, via failure links).
   */
  scan(text: string, onMatch: (end: number, length: number) => void): void {
    if (this.patternCount === 0) return;
    const symbolOf = this.symbolOf;
    const outLen = this.outLen;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const sym = symbolOf[text.charCodeAt(i)]!;
      if (sym === 0) {
        state = 0;
        continue;
      }
      state = this.step(state, sym);
      const len = outLen[state]!;
      if (len > 0) onMatch(i + 1, len);
    }
  }
}
