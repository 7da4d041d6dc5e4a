/**
 * The DLP's secretlint scan creates the recommended preset's rules once and reuses them
 * (src/main/gateway/dlp/secretlint.ts). That must not change a single finding: for a
 * corpus that trips many of the preset's rules — and holds the comment filter's
 * directives, which the scan does not obey — every scan returns exactly what a fresh,
 * upstream `lintSource` run of the preset without its comment filter returns (rule,
 * message id, range, order), and scans running at once
 * never see each other's reports.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findWithSecretlint } from '../../../src/main/gateway/dlp/secretlint';
import { upstreamSecretlint as upstream } from './secretlint-upstream';

const PEM = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const alnum = (n: number, seed: number): string => {
  const a = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ';
  let s = '';
  for (let i = 0; i < n; i++) s += a.charAt((i * 7 + seed * 13) % a.length);
  return s;
};
const GITHUB = `ghp_${alnum(36, 1)}`;
const SECRETS = [
  GITHUB,
  'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
  `xoxb-123456789012-1234567890123-${alnum(24, 2)}`,
  `npm_${alnum(36, 3)}`,
  'https://deploy:pa55w0rdXyz@example.com/hook',
  `sk-ant-api03-${alnum(93, 4)}AA`,
  'postgres://admin:s3cretPassw0rd@db.example.com:5432/app',
  `glpat-${alnum(20, 5)}`,
  'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"',
  `hvs.${alnum(90, 6)}`,
];
const CORPUS = [
  '',
  'nothing to see here, just text and numbers 12345',
  ...SECRETS.map((s) => `result: ${s}\n`),
  `key:\n${PEM}`,
  `{"status":200,"body":${JSON.stringify(SECRETS.join('\n'))}}`,
  `${SECRETS.join(' ')}\n${PEM}\n${SECRETS.slice().reverse().join('\n')}`,
  `token ${GITHUB} // secretlint-disable-line\nnext ${GITHUB}\n`,
  `// secretlint-disable\n${SECRETS.join('\n')}\n// secretlint-enable\n${SECRETS[1]}`,
  `dup ${GITHUB} ${GITHUB} ${GITHUB}`,
];

describe('secretlint with rules built once', () => {
  it('finds exactly what a fresh upstream lint of the preset finds', async () => {
    const expected = await Promise.all(CORPUS.map((t) => upstream(t)));
    // The corpus is only a proof if it trips many rules; its directives silence nothing.
    const rules = new Set(expected.flat().map((f) => f.rule.split(':')[1]));
    expect(rules.size).toBeGreaterThanOrEqual(6);
    expect(expected[CORPUS.length - 3]).toHaveLength(2);
    for (let round = 0; round < 3; round++) {
      for (const [i, text] of CORPUS.entries()) expect(await findWithSecretlint(text), `text ${i}, round ${round}`).toEqual(expected[i]);
    }
  });

  it('keeps concurrent scans apart', async () => {
    const expected = await Promise.all(CORPUS.map((t) => upstream(t)));
    const many = [...CORPUS, ...CORPUS.slice().reverse(), ...CORPUS];
    const got = await Promise.all(many.map((t) => findWithSecretlint(t)));
    expect(got).toEqual([...expected, ...expected.slice().reverse(), ...expected]);
  });
});
