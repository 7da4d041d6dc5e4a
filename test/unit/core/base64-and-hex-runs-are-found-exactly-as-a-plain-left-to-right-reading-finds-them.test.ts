/**
 * The scrubber's run finder (runs.ts findRuns) reads only a sample of the text and
 * skips ahead past words that cannot hold a run: whatever it skips, it must return
 * exactly the runs a plain left-to-right reading finds — every maximal run of base64
 * (or hex) characters joined across at most two joiner characters, with at least `min`
 * characters — or a decoded secret would go unseen. Checked against that reading on
 * random texts built from run characters, joiners and hard stops, and on JSON like
 * the gateway bench's response.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { B64_JOIN, findRuns, HEX_JOIN, IS_B64, IS_HEX } from '../../../src/core/scrub/views';

function classOf(ch: string): number {
  let k = (/[A-Za-z0-9+/_-]/.test(ch) ? IS_B64 : 0) | (/[0-9A-Fa-f]/.test(ch) ? IS_HEX : 0);
  if (ch === '\n' || ch === '\r') k |= B64_JOIN | HEX_JOIN;
  if (' \t:-'.includes(ch)) k |= HEX_JOIN;
  return k;
}

/** The definition, read character by character. */
function plainRuns(text: string, cls: number, join: number, min: number): number[][] {
  const runs: number[][] = [];
  let cur: number[] = [];
  let gap = 0;
  for (let i = 0; i < text.length; i++) {
    const k = classOf(text[i]!);
    if ((k & cls) !== 0) {
      if (cur.length > 0 && gap > 2) {
        runs.push(cur);
        cur = [];
      }
      cur.push(i);
      gap = 0;
    } else if ((k & join) !== 0) gap++;
    else {
      if (cur.length > 0) runs.push(cur);
      cur = [];
      gap = 0;
    }
  }
  if (cur.length > 0) runs.push(cur);
  return runs.filter((r) => r.length >= min);
}

const found = (text: string, cls: number, join: number, min: number): number[][] => findRuns(text, cls, join, min).map((r) => [...r]);

/** Run characters of both kinds, joiners of both kinds, and hard stops. */
const textArb = fc.string({ maxLength: 160, unit: fc.constantFrom(...'aZq09+/_-fF\r\n \t:!"{},é') });
const KINDS = [
  [IS_B64, B64_JOIN],
  [IS_HEX, HEX_JOIN],
] as const;

describe('base64 and hex runs are found exactly as a plain left-to-right reading finds them', () => {
  it('on random texts of run characters, joiners and stops, for every minimum length', () => {
    fc.assert(
      fc.property(textArb, fc.integer({ min: 1, max: 16 }), (text, min) => {
        for (const [cls, join] of KINDS) expect(found(text, cls, join, min)).toEqual(plainRuns(text, cls, join, min));
      }),
      { numRuns: 3000 },
    );
  });

  it('on JSON records with base64 and hex values among ordinary words', () => {
    const parts: string[] = [];
    for (let k = 0; k < 400; k++) {
      parts.push(
        k % 7 === 0
          ? `"token":"${Buffer.from(`secret-${k}-value`).toString('base64')}",`
          : k % 11 === 0
            ? `"hex":"${Buffer.from(`key ${k}`).toString('hex')}",\r\n`
            : `{"id":${k},"name":"record number ${k}","tags":["alpha","beta"],"mac":"de:ad:be:ef:0${k % 10}"},`,
      );
    }
    const text = parts.join('');
    for (const [cls, join] of KINDS) for (const min of [8, 12]) expect(found(text, cls, join, min)).toEqual(plainRuns(text, cls, join, min));
  });
});
