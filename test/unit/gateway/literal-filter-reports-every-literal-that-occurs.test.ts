/**
 * The DLP prefilter's literal search (src/main/gateway/dlp/literal-filter.ts) may only
 * err towards "may occur": a literal that occurs anywhere in a text — at its start, its
 * end, overlapping another, next to its anchor character many times — is always
 * reported. A literal anchored on punctuation is reported exactly when it occurs; one
 * without an anchor character is always reported.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiteralFilter } from '../../../src/main/gateway/dlp/literal-filter';
import { RULE_LITERALS } from '../../../src/main/gateway/dlp/secretlint-prefilter';

const PRESET_LITERALS = [...new Set(Object.values(RULE_LITERALS).flat())];
const ANCHORED = (l: string): boolean => /[_/.\-:]/.test(l);

describe('literal filter', () => {
  it('reports every preset literal wherever it occurs, and an anchored one only where it occurs', () => {
    const filter = new LiteralFilter(PRESET_LITERALS);
    // Texts made of pieces of the literals themselves, anchors and other characters,
    // so literals occur cut, overlapping and next to near-misses.
    const piece = fc.oneof(
      fc.constantFrom(...PRESET_LITERALS),
      fc.constantFrom(...PRESET_LITERALS).chain((l) => fc.nat(l.length).map((n) => l.slice(0, n))),
      fc.constantFrom(...PRESET_LITERALS).chain((l) => fc.nat(l.length).map((n) => l.slice(n))),
      fc.constantFrom('_', '/', '.', '-', ':', '://', '__', '--', ' ', '\n', '\ufeff', 'é'),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        const may = filter.mayOccur(text);
        PRESET_LITERALS.forEach((l, i) => {
          if (text.includes(l)) expect(may[i], `${l} in ${JSON.stringify(text)}`).toBe(true);
          else if (ANCHORED(l)) expect(may[i], `${l} not in ${JSON.stringify(text)}`).toBe(false);
          else expect(may[i]).toBe(true);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('finds a literal among thousands of its anchor character and at both ends of a text', () => {
    const filter = new LiteralFilter(['ghp_', 'hf_', '-----BEGIN', '://', 'SG.']);
    const noise = 'a_b_c_d-e-f.g.h:i:j/'.repeat(5000);
    expect(filter.mayOccur(noise)).toEqual([false, false, false, false, false]);
    expect(filter.mayOccur(`${noise}ghp_`)).toEqual([true, false, false, false, false]);
    expect(filter.mayOccur(`hf_${noise}`)).toEqual([false, true, false, false, false]);
    expect(filter.mayOccur(`${noise}-----BEGIN${noise}`)).toEqual([false, false, true, false, false]);
    expect(filter.mayOccur('://')).toEqual([false, false, false, true, false]);
    expect(filter.mayOccur('xSG.')).toEqual([false, false, false, false, true]);
  });
});
