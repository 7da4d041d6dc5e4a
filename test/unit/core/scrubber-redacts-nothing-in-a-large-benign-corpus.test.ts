/**
 * The fuzzy views (skeleton, case-folded, reversed) and the decoding views must never
 * turn ordinary text into a redaction: every package.json and README under
 * node_modules (≈ 1,500 files, ≈ 6 MB of prose, code, URLs, hashes and base64), scrubbed
 * with every view on against a realistic vault of generated secrets — API tokens of the
 * well-known shapes, generated passwords, hex keys, TOTP seeds, passphrases — gives ZERO
 * redactions. A control proves the same run would see a secret planted in that corpus.
 */
import { describe, expect, it } from 'vitest';
import { Scrubber } from '../../../src/core/scrub/scrubber';
import { benignCorpus } from '../../fixtures/benign-corpus';

/** Deterministic (mulberry32): a failure names a corpus file and can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const WORDS = ['correct', 'horse', 'battery', 'staple', 'orange', 'river', 'cloud', 'piano', 'garden', 'silver', 'window', 'planet', 'coffee', 'button'];

function secrets(): string[] {
  const r = rng(10);
  const pick = (alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
  const out: string[] = [];
  for (let i = 0; i < 60; i++) {
    out.push(`ghp_${pick(ALNUM, 36)}`);
    out.push(`AKIA${pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`, pick(`${ALNUM}+/`, 40));
    out.push(`sk_live_${pick(ALNUM, 24)}`, `xoxb-${pick('0123456789', 11)}-${pick('0123456789', 12)}-${pick(ALNUM, 24)}`);
    out.push(pick(`${ALNUM}!@#$%^&*-_`, 20), pick(ALNUM, 16), pick('0123456789abcdef', 32), pick('0123456789abcdef', 64));
    out.push(pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 32));
    out.push(Array.from({ length: 4 }, () => WORDS[Math.floor(r() * WORDS.length)]).join('-') + `-${pick('0123456789', 2)}`);
    out.push(`${WORDS[i % WORDS.length]}${pick('0123456789', 4)}!`);
  }
  return out;
}

describe('no false positives', () => {
  const files = benignCorpus();
  const scrubber = new Scrubber(secrets());

  it('scrubs every package.json and README under node_modules without a single redaction', () => {
    expect(files.length).toBeGreaterThan(500);
    const hits: string[] = [];
    for (const { file, text } of files) {
      const spans = scrubber.spans(text);
      for (const [a, b] of spans) hits.push(`${file}@${a}: ${JSON.stringify(text.slice(a, Math.min(b, a + 40)))}`);
      // A capped body ends anywhere: the cut-prefix rule must not fire on ordinary endings either.
      if (scrubber.spans(text.slice(0, Math.floor(text.length / 2)), { truncated: true }).length > 0) hits.push(`${file}: cut prefix`);
    }
    expect(hits).toEqual([]);
  });

  it('would see a secret planted in that corpus, spaced and upper-cased', () => {
    const secret = secrets()[0]!;
    const { text } = files[Math.floor(files.length / 2)]!;
    const planted = `${text.slice(0, 100)} ${[...secret.toUpperCase()].join(' ')} ${text.slice(100)}`;
    expect(scrubber.spans(planted)).toHaveLength(1);
  });
});
