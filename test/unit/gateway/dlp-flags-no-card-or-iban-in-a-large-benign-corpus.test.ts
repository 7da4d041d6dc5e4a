/**
 * The card and IBAN checks must not fire on ordinary text: every package.json and
 * README under node_modules (the corpus of the scrubber's own false-positive test:
 * versions, hashes, timestamps, ids, ports) gives zero card and zero IBAN findings. A
 * control proves the same run sees a card and an IBAN planted in that corpus.
 */
import { describe, expect, it } from 'vitest';
import { findDlp } from '../../../src/main/gateway/dlp';
import { benignCorpus } from '../../fixtures/benign-corpus';

const ONLY_PAYMENT = { secrets: 'off', cards: 'redact', iban: 'redact', email: 'off', phone: 'off' } as const;

describe('DLP false positives', () => {
  const files = benignCorpus();

  it('finds no card number and no IBAN in every package.json and README under node_modules', async () => {
    expect(files.length).toBeGreaterThan(500);
    const hits: string[] = [];
    for (const { file, text } of files) {
      for (const f of await findDlp(text, ONLY_PAYMENT)) hits.push(`${file}@${f.start}: ${f.rule} ${JSON.stringify(text.slice(f.start, f.end))}`);
    }
    expect(hits).toEqual([]);
  });

  it('would see a card and an IBAN planted in that corpus', async () => {
    const { text } = files.find((f) => f.text.length > 2000)!;
    const planted = `${text.slice(0, 1000)} 5555 5555 5555 4444 ${text.slice(1000, 1500)} DE89 3704 0044 0532 0130 00 ${text.slice(1500)}`;
    const rules = (await findDlp(planted, ONLY_PAYMENT)).map((f) => f.rule);
    expect(rules).toEqual(['card.luhn', 'iban.mod97']);
  });
});
