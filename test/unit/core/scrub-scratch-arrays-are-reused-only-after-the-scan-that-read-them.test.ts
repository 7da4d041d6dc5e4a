/**
 * The views' reused arrays (src/core/scrub/scratch.ts): a position map a view still
 * reads is never handed to another builder before the scan that made the view ends; a
 * view made outside any scan keeps its arrays for good; character codes come back
 * zeroed (they may be decoded secrets). And one scrubber scanning many texts in turn —
 * each scan reusing the last one's arrays — redacts every nested form in each, the same
 * in any order. (A map handed out while its view is still read is also caught by the
 * random-split property test in scrubber-never-leaks-any-form-of-any-secret.test.ts:
 * tried by returning the maps at view() instead of at the scan's end.)
 */
import { describe, expect, it } from 'vitest';
import { giveCodes, lease, scanBegin, scanEnd, takeCodes, takeInts } from '../../../src/core/scrub/scratch';
import { Scrubber } from '../../../src/core/scrub/scrubber';

describe('scrub scratch arrays', () => {
  it('hands out a leased array again only after its scan ends', () => {
    scanBegin();
    const a = takeInts(100);
    lease(a);
    const during = Array.from({ length: 8 }, () => takeInts(100));
    expect(during).not.toContain(a);
    scanEnd();
    const after = Array.from({ length: 8 }, () => takeInts(100));
    expect(after).toContain(a);
  });

  it('never reuses an array leased outside a scan', () => {
    const kept = takeInts(50);
    lease(kept);
    scanBegin();
    scanEnd();
    expect(Array.from({ length: 16 }, () => takeInts(50))).not.toContain(kept);
  });

  it('zeroes character codes before they are handed out again', () => {
    const c = takeCodes(40);
    c.fill(0x41, 0, 40);
    giveCodes(c, 40);
    const again = Array.from({ length: 8 }, () => takeCodes(40));
    expect(again).toContain(c);
    expect([...c].every((x) => x === 0)).toBe(true);
  });

  it('redacts every nested form in each text, the same whichever texts were scanned before', () => {
    const b64 = (x: string): string => Buffer.from(x).toString('base64');
    const hex = (x: string): string => Buffer.from(x).toString('hex');
    const secrets = Array.from({ length: 12 }, (_, i) => `secret-${i}-${'k9Xq2Lm7'.repeat(2)}${i * 7919}`);
    // Forms that need several views alive at once: decoded runs inside unescaped text inside decoded runs.
    const forms = (x: string): string[] => [
      x,
      encodeURIComponent(x),
      b64(x),
      hex(x),
      b64(hex(x)),
      hex(b64(x)),
      b64(JSON.stringify({ v: x })),
      encodeURIComponent(b64(x)),
      JSON.stringify(JSON.stringify(b64(hex(x)))),
    ];
    const texts = secrets.map((x, i) => `${forms(x).join(' | ')} ${'filler '.repeat(i * 40)}`);
    const one = new Scrubber(secrets);
    const first = texts.map((t) => one.scrub(t));
    for (const [i, x] of secrets.entries()) for (const f of forms(x)) expect(first[i], `text ${i}`).not.toContain(f);
    for (let round = 0; round < 3; round++) {
      for (let i = texts.length - 1; i >= 0; i--) expect(one.scrub(texts[i]!), `text ${i}, round ${round}`).toBe(first[i]);
    }
  });
});
