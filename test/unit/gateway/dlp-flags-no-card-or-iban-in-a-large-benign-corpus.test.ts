/**
 * The card and IBAN checks must not fire on ordinary text: every package.json and
 * README under node_modules (the corpus of the scrubber's own false-positive test:
 * versions, hashes, timestamps, ids, ports) gives zero card and zero IBAN findings. A
 * control proves the same run sees a card and an IBAN planted in that corpus.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDlp } from '../../../src/main/gateway/dlp';

const ONLY_PAYMENT = { secrets: 'off', cards: 'redact', iban: 'redact', email: 'off', phone: 'off' } as const;

function corpus(): Array<{ file: string; text: string }> {
  const root = path.resolve(__dirname, '../../../node_modules');
  const out: Array<{ file: string; text: string }> = [];
  const walk = (dir: string, depth: number): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const p = path.join(dir, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (depth < 12 && name !== '.bin') walk(p, depth + 1);
      } else if ((name === 'package.json' || /^readme/i.test(name)) && st.size < 2_000_000) {
        out.push({ file: path.relative(root, p), text: readFileSync(p, 'utf8') });
      }
    }
  };
  walk(root, 0);
  return out;
}

describe('DLP false positives', () => {
  const files = corpus();

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
