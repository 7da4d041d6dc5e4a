/**
 * Password strength as zxcvbn-ts estimates it (with its common and English
 * dictionaries, keyboard graphs and feedback). Built once, on first use: the
 * dictionaries are large, and the item editor is where they are needed.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

let factory: ZxcvbnFactory | undefined;

function zxcvbn(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary, ...en.dictionary }, graphs: common.adjacencyGraphs, translations: en.translations });
  return factory;
}

export interface Strength {
  /** 0 (guessable in a few tries) to 4 (beyond any online or offline attack in practice). */
  readonly score: 0 | 1 | 2 | 3 | 4;
  readonly label: string;
  /** log10 of the estimated guesses. */
  readonly guessesLog10: number;
  /** What to change, in zxcvbn's words (empty for a strong password). */
  readonly advice: string[];
}

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

/** `context`: words from the item (title, username, URL) an attacker would try first. */
export function passwordStrength(password: string, context: readonly string[] = []): Strength {
  // zxcvbn's cost grows with length; past 256 characters the score cannot rise.
  const r = zxcvbn().check(password.slice(0, 256), [...context]);
  const advice = [r.feedback.warning, ...r.feedback.suggestions].filter((s): s is string => typeof s === 'string' && s !== '');
  return { score: r.score, label: LABELS[r.score], guessesLog10: r.guessesLog10, advice };
}

/** The diceware word list zxcvbn-ts ships (7,776 words, the EFF list) for passphrases. */
export function passphraseWords(): readonly string[] {
  return common.dictionary['diceware-common'];
}
