/**
 * Password and passphrase generation. Every choice is uniform: an index below n is
 * drawn by rejection sampling from 32-bit random words (no modulo bias), and a
 * "one of each selected set" rule is met by redrawing the whole password, which keeps
 * every acceptable password equally likely. Randomness comes in as a function so the
 * renderer passes crypto.getRandomValues and tests can count or fix it.
 */
import { z } from 'zod';

export type RandomFill = (bytes: Uint8Array) => void;

export const CHARACTER_SETS = {
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  symbols: '!#$%&*+-./:;<=>?@^_~',
} as const;
export type CharacterSet = keyof typeof CHARACTER_SETS;

/** Characters people misread: 0/O/o, 1/l/I/|, 5/S, 2/Z, 8/B. */
const AMBIGUOUS = new Set('0Oo1lI|5S2Z8B');

export const characterOptionsSchema = z.object({
  mode: z.literal('characters'),
  length: z.number().int().min(4).max(128),
  sets: z.array(z.enum(['lower', 'upper', 'digits', 'symbols'])).min(1, 'choose at least one kind of character'),
  avoidAmbiguous: z.boolean(),
  /** At least one character from each chosen set. */
  eachSet: z.boolean(),
});
export const passphraseOptionsSchema = z.object({
  mode: z.literal('passphrase'),
  words: z.number().int().min(3).max(20),
  separator: z.string().max(3),
  capitalize: z.boolean(),
  /** One random digit appended to one random word. */
  addDigit: z.boolean(),
});
export const generatorOptionsSchema = z.discriminatedUnion('mode', [characterOptionsSchema, passphraseOptionsSchema]);
export type GeneratorOptions = z.infer<typeof generatorOptionsSchema>;
export type CharacterOptions = z.infer<typeof characterOptionsSchema>;

export const DEFAULT_CHARACTERS: CharacterOptions = { mode: 'characters', length: 20, sets: ['lower', 'upper', 'digits', 'symbols'], avoidAmbiguous: false, eachSet: true };
export const DEFAULT_PASSPHRASE: GeneratorOptions = { mode: 'passphrase', words: 5, separator: '-', capitalize: false, addDigit: false };

/** A uniform integer in [0, n), n ≤ 2^32. */
export function uniformIndex(n: number, fill: RandomFill): number {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError('n out of range');
  // The largest multiple of n that fits in 32 bits: words at or above it are redrawn.
  const limit = 2 ** 32 - (2 ** 32 % n);
  const w = new Uint8Array(4);
  for (;;) {
    fill(w);
    const x = ((w[0]! << 24) | (w[1]! << 16) | (w[2]! << 8) | w[3]!) >>> 0;
    if (x < limit) {
      w.fill(0);
      return x % n;
    }
  }
}

function alphabetOf(o: CharacterOptions): { all: string[]; groups: string[][] } {
  const groups = o.sets.map((s) => [...CHARACTER_SETS[s]].filter((c) => !o.avoidAmbiguous || !AMBIGUOUS.has(c)));
  return { all: [...new Set(groups.flat())], groups };
}

function characters(o: CharacterOptions, fill: RandomFill): string {
  const { all, groups } = alphabetOf(o);
  const need = o.eachSet ? groups : [];
  if (need.length > o.length) throw new RangeError('the password is shorter than the number of character kinds it must contain');
  for (;;) {
    const out: string[] = [];
    for (let i = 0; i < o.length; i++) out.push(all[uniformIndex(all.length, fill)]!);
    if (need.every((g) => out.some((c) => g.includes(c)))) return out.join('');
  }
}

function passphrase(o: Extract<GeneratorOptions, { mode: 'passphrase' }>, words: readonly string[], fill: RandomFill): string {
  if (words.length < 2) throw new RangeError('the word list is empty');
  const chosen = Array.from({ length: o.words }, () => {
    const w = words[uniformIndex(words.length, fill)]!;
    return o.capitalize ? w.charAt(0).toUpperCase() + w.slice(1) : w;
  });
  if (o.addDigit) {
    const at = uniformIndex(chosen.length, fill);
    chosen[at] = `${chosen[at]}${uniformIndex(10, fill)}`;
  }
  return chosen.join(o.separator);
}

/** A new password or passphrase. `words`: the passphrase word list (unique words). */
export function generate(options: GeneratorOptions, fill: RandomFill, words: readonly string[] = []): string {
  const o = generatorOptionsSchema.parse(options);
  return o.mode === 'characters' ? characters(o, fill) : passphrase(o, words, fill);
}

/**
 * Bits of entropy of the generator's output (what an attacker who knows the options
 * faces), a lower bound when one of each set is required.
 */
export function entropyBits(options: GeneratorOptions, wordCount = 0): number {
  if (options.mode === 'passphrase') return options.words * Math.log2(Math.max(wordCount, 1)) + (options.addDigit ? Math.log2(10 * options.words) : 0);
  return options.length * Math.log2(alphabetOf(options).all.length);
}
