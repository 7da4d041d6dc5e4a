import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CHARACTER_SETS, entropyBits, generate, uniformIndex, type CharacterSet, type GeneratorOptions, type RandomFill } from '../../../src/core/generator/generator';
import { passphraseWords, passwordStrength } from '../../../src/renderer/items/strength';

const webcrypto: RandomFill = (b) => void crypto.getRandomValues(b);
const SETS = Object.keys(CHARACTER_SETS) as CharacterSet[];

/** A fill that replays the given 32-bit words, counting how many it handed out. */
function scripted(words: number[]): RandomFill & { used: () => number } {
  let i = 0;
  const f = ((b: Uint8Array) => {
    const w = words[i++];
    if (w === undefined) throw new Error('script exhausted');
    b.set([w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255]);
  }) as RandomFill & { used: () => number };
  f.used = () => i;
  return f;
}

describe('character passwords', () => {
  test('length, chosen sets, one of each, and look-alikes are honoured for any options', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 128 }), fc.subarray(SETS, { minLength: 1 }), fc.boolean(), fc.boolean(), (length, sets, avoidAmbiguous, eachSet) => {
        const o: GeneratorOptions = { mode: 'characters', length, sets, avoidAmbiguous, eachSet };
        const p = generate(o, webcrypto);
        expect([...p]).toHaveLength(length);
        const allowed = sets.flatMap((s) => [...CHARACTER_SETS[s]]);
        for (const c of p) expect(allowed).toContain(c);
        if (eachSet) for (const s of sets) expect([...p].some((c) => CHARACTER_SETS[s].includes(c))).toBe(true);
        if (avoidAmbiguous) expect(p).not.toMatch(/[0Oo1lI|5S2Z8B]/);
      }),
      { numRuns: 200 },
    );
  });

  test('options out of range are refused in words', () => {
    expect(() => generate({ mode: 'characters', length: 3, sets: ['lower'], avoidAmbiguous: false, eachSet: false }, webcrypto)).toThrow();
    expect(() => generate({ mode: 'characters', length: 10, sets: [], avoidAmbiguous: false, eachSet: false }, webcrypto)).toThrow(/at least one kind/);
  });

  test('every character is drawn from the random source it is given', () => {
    const f = scripted(Array.from({ length: 20 }, (_, i) => i));
    expect(generate({ mode: 'characters', length: 20, sets: ['digits'], avoidAmbiguous: false, eachSet: false }, f)).toBe('01234567890123456789');
    expect(f.used()).toBe(20);
  });
});

describe('uniform choice', () => {
  test('a word in the biased top range is redrawn, not folded with modulo', () => {
    // n = 10: 2^32 mod 10 = 6, so the words 2^32-6 … 2^32-1 would favour 0..5.
    const f = scripted([2 ** 32 - 1, 2 ** 32 - 6, 2 ** 32 - 7]);
    expect(uniformIndex(10, f)).toBe((2 ** 32 - 7) % 10);
    expect(f.used()).toBe(3);
  });

  test('crypto.getRandomValues through uniformIndex passes a chi-square test', () => {
    const n = 62;
    const samples = 62_000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < samples; i++) counts[uniformIndex(n, webcrypto)]! += 1;
    const expected = samples / n;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 61 degrees of freedom: P(chi2 > 130) < 1e-6 for a uniform source.
    expect(chi2).toBeLessThan(130);
  });
});

describe('passphrases', () => {
  test('word count, separator, capitals and the digit are honoured; every word is from the list', () => {
    const list = passphraseWords();
    expect(new Set(list).size).toBe(7776);
    for (const capitalize of [false, true]) {
      for (const addDigit of [false, true]) {
        const p = generate({ mode: 'passphrase', words: 6, separator: '.', capitalize, addDigit }, webcrypto, list);
        const words = p.split('.');
        expect(words).toHaveLength(6);
        expect(words.filter((w) => /\d$/.test(w))).toHaveLength(addDigit ? 1 : 0);
        for (const w of words) {
          const bare = w.replace(/\d$/, '');
          expect(list).toContain(capitalize ? bare.charAt(0).toLowerCase() + bare.slice(1) : bare);
          if (capitalize) expect(bare.charAt(0)).toMatch(/[A-Z]/);
        }
      }
    }
  });

  test('entropy is what the options give: 20 of 82 characters ≈ 127 bits, 5 diceware words ≈ 64.6 bits', () => {
    expect(entropyBits({ mode: 'characters', length: 20, sets: SETS, avoidAmbiguous: false, eachSet: true })).toBeCloseTo(20 * Math.log2(82), 5);
    expect(entropyBits({ mode: 'passphrase', words: 5, separator: '-', capitalize: false, addDigit: false }, 7776)).toBeCloseTo(64.62, 1);
  });
});

describe('strength meter (zxcvbn-ts)', () => {
  test('reports a dictionary password as very weak with advice, and a generated one as very strong', () => {
    const weak = passwordStrength('password1');
    expect(weak.score).toBe(0);
    expect(weak.label).toBe('Very weak');
    expect(weak.advice.length).toBeGreaterThan(0);
    const strong = passwordStrength(generate({ mode: 'characters', length: 20, sets: SETS, avoidAmbiguous: false, eachSet: true }, webcrypto));
    expect(strong.score).toBe(4);
    expect(strong.label).toBe('Very strong');
  });

  test('words of the item itself count against the password', () => {
    expect(passwordStrength('octocat-github', ['octocat', 'github']).guessesLog10).toBeLessThan(passwordStrength('octocat-github').guessesLog10);
  });
});
