/**
 * The scans that read every character of a view (the fuzzy index, the run finder) read
 * its code-unit array (view.ts `View.codes`), not its string, while the exact index and
 * the redaction read the string: the two must hold the same characters, or a form would
 * be matched in one and missed in the other. The string is made from the codes by
 * TextDecoder, which turns a lone surrogate into U+FFFD, so views holding decoded lone
 * surrogates (`\uD800`, `&#xDC00;`, `%ED%A0%80` is not one: bytes stay bytes), U+FFFD
 * itself, non-ASCII text and base64 of any of these are checked on random texts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanBegin, scanEnd } from '../../../src/core/scrub/scratch';
import { decodedRuns, identityView, unescape, type View } from '../../../src/core/scrub/views';

const pieces = fc.constantFrom(
  'abc',
  'Zm9vYmFyYmF6cXV4',
  '\\uD800',
  '\\uDC00x',
  '\\uD83D\\uDE00',
  '&#xD800;',
  '&#56320;',
  '\uFFFD',
  '\uD800',
  'é',
  '%C3%A9',
  '%FF%FE',
  '\\x41',
  ' ',
  '"',
  '7b22',
  '\n',
);
const textArb = fc.array(pieces, { maxLength: 30 }).map((p) => p.join(''));

/** Every view the scrubber would make of `text` (unescaped repeatedly, decoded runs of each, one level). */
function allViews(text: string): View[] {
  const out: View[] = [identityView(text)];
  let v: View | null = out[0]!;
  for (let d = 0; d < 4 && v !== null; d++) {
    v = unescape(v);
    if (v !== null) out.push(v);
  }
  for (const tv of [...out]) {
    for (const bv of decodedRuns(tv)) {
      out.push(bv);
      const u = unescape(bv);
      if (u !== null) out.push(u);
    }
  }
  return out;
}

describe('scrub views', () => {
  it("hold in their code units exactly their text's characters", () => {
    fc.assert(
      fc.property(fc.array(textArb, { minLength: 1, maxLength: 4 }), (texts) => {
        // Several texts in one scan: arrays reused from an earlier view must not show through.
        scanBegin();
        try {
          for (const t of texts) {
            for (const v of allViews(t + Buffer.from(t).toString('base64'))) {
              expect(v.codes).not.toBeNull();
              const units = Array.from(v.codes!.subarray(0, v.text.length));
              // Indexed by code unit (a string's iterator would step by code point).
              expect(units).toEqual(Array.from({ length: v.text.length }, (_, i) => v.text.charCodeAt(i)));
            }
          }
        } finally {
          scanEnd();
        }
      }),
      { numRuns: 300 },
    );
  });
});
