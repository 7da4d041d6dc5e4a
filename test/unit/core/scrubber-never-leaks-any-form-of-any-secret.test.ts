/**
 * The scrubber: every encoded form of every secret is redacted, whatever surrounds it
 * and however the text is split into chunks (fast-check property), including base64 of
 * a secret embedded at each of the three byte alignments in a longer byte string.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64Core, secretForms } from '../../../src/core/scrub/forms';
import { REDACTED, Scrubber } from '../../../src/core/scrub/scrubber';
import { GramIndex, makeFold, SKIP } from '../../../src/core/scrub/gram-index';

const secretArb = fc.string({ minLength: 8, maxLength: 48, unit: 'binary' }).filter((s) => s.trim().length >= 8);
const asciiSecretArb = fc.string({ minLength: 8, maxLength: 40, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/+=."& ') });

/** The encodings an API could echo, computed independently of the scrubber's own forms. */
function encodings(secret: string, prefix: string, suffix: string): string[] {
  const b = Buffer.from(secret, 'utf8');
  const wrapped = Buffer.concat([Buffer.from(prefix, 'utf8'), b, Buffer.from(suffix, 'utf8')]);
  return [
    secret,
    b.toString('hex'),
    b.toString('hex').toUpperCase(),
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    b.toString('base64'),
    b.toString('base64url'),
    wrapped.toString('base64'),
    wrapped.toString('base64url'),
    JSON.stringify({ token: secret }),
  ];
}

function chunked(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  out.push(text.slice(prev));
  return out;
}

/** True when the text still contains the secret's raw value or the stable core of an encoding. */
function leaks(text: string, secret: string): boolean {
  const cores = secretForms(secret);
  return cores.some((f) => text.includes(f));
}

describe('the gram index', () => {
  it('finds every occurrence of every pattern, like a naive search, and forgets deleted ones', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 6, maxLength: 12, unit: fc.constantFrom('a', 'b', 'c') }), { minLength: 1, maxLength: 8 }),
        fc.string({ maxLength: 80, unit: fc.constantFrom('a', 'b', 'c', 'd') }),
        fc.nat(),
        (patterns, text, drop) => {
          const index = new GramIndex(6, true, null, (ref) => patterns[ref]!);
          patterns.forEach((p, i) => index.add(i, p));
          const gone = drop % patterns.length;
          index.delete(gone, patterns[gone]!);
          const got = new Set<string>();
          index.scan(text, (a, b) => got.add(`${a}-${b}`));
          const want = new Set<string>();
          patterns.forEach((p, i) => {
            if (i === gone) return;
            for (let at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1)) want.add(`${at}-${at + p.length}`);
          });
          expect(got).toEqual(want);
        },
      ),
    );
  });

  it('a folding index matches across skipped characters and case, and reports the span in the text', () => {
    const fold = makeFold((c) => c === 0x20 || c === 0x2d, true);
    const index = new GramIndex(8, true, fold, () => 'abcdefghij');
    index.add(0, 'abcdefghij');
    const spans: Array<[number, number]> = [];
    index.scan('xx A-B c d E F G H I J yy', (a, b) => spans.push([a, b]));
    expect(spans).toEqual([[3, 22]]);
    expect(fold[0x20]).toBe(SKIP);
  });
});

describe('base64 alignment cores', () => {
  it('the core for offset k appears in base64 of any bytes with the secret at offset ≡ k (mod 3)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 40 }), fc.uint8Array({ maxLength: 10 }), fc.uint8Array({ maxLength: 10 }), (secret, pre, post) => {
        const all = Buffer.concat([pre, secret, post]).toString('base64');
        expect(all.includes(base64Core(secret, (pre.length % 3) as 0 | 1 | 2))).toBe(true);
      }),
    );
  });
});

describe('scrubbing', () => {
  it('redacts every encoding of every vault secret, in one piece or split at random points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(secretArb, asciiSecretArb), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.string({ maxLength: 5 }),
        fc.string({ maxLength: 5 }),
        fc.string({ maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (secrets, pick, prefix, suffix, filler, cuts) => {
          const scrubber = new Scrubber(secrets);
          const secret = secrets[pick % secrets.length]!;
          const text = encodings(secret, prefix, suffix)
            .map((e) => `${filler}${e}${filler}`)
            .join('\n');
          const whole = scrubber.scrub(text);
          expect(leaks(whole, secret)).toBe(false);
          const stream = scrubber.stream();
          const streamed =
            chunked(text, cuts)
              .map((c) => stream.push(c))
              .join('') + stream.end();
          expect(leaks(streamed, secret)).toBe(false);
          expect(streamed).toContain(REDACTED);
          // Independently of the scrubber's own list: no complete encoding survives.
          for (const e of encodings(secret, '', '').slice(0, 7)) {
            expect(whole.includes(e)).toBe(false);
            expect(streamed.includes(e)).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves text without secrets untouched, chunked or not', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        const scrubber = new Scrubber(['a-secret-that-is-not-there-xyz']);
        fc.pre(!scrubber.contains(text));
        const s = scrubber.stream();
        expect(
          chunked(text, cuts)
            .map((c) => s.push(c))
            .join('') + s.end(),
        ).toBe(text);
      }),
    );
  });

  it('catches a secret split one character per chunk', () => {
    const secret = 'split-me-please-0123456789';
    const s = new Scrubber([secret]).stream();
    const out = [...`before ${secret} after`].map((c) => s.push(c)).join('') + s.end();
    expect(out).toBe(`before ${REDACTED} after`);
  });

  it('ignores values too short to scrub safely', () => {
    expect(secretForms('abc')).toEqual([]);
  });
});
