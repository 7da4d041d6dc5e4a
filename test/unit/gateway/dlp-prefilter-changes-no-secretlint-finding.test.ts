/**
 * The DLP's secretlint scan skips a rule whose literals are all absent from the text
 * (src/main/gateway/dlp/secretlint-prefilter.ts) and runs the others on a plain source
 * without @secretlint/core's lintSource. Neither may change a finding: on every rule's
 * upstream test inputs (test/fixtures/secretlint-rule-inputs.json), a positive example
 * of every rule in the table, each alone, inside benign text and all together, and on
 * the whole benign corpus (every package.json and README under node_modules), the scan
 * returns exactly what an upstream lintSource run of the preset returns — the preset
 * without its comment filter, which the scan never runs: a `secretlint-disable` directive
 * in a result must not switch DLP off, and the last test tries it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { describe, expect, it } from 'vitest';
import { findWithSecretlint } from '../../../src/main/gateway/dlp/secretlint';
import { upstreamSecretlint as upstream } from './secretlint-upstream';
import { COMMENT_FILTER_RULE, INSTALLED_PRESET_VERSION, PRESET_VERSION, RULE_LITERALS, rulesThatMayReport } from '../../../src/main/gateway/dlp/secretlint-prefilter';
import { benignCorpus } from '../../fixtures/benign-corpus';

const PREFIX = '@secretlint/secretlint-rule-';

const alnum = (n: number, seed: number): string => {
  const a = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ';
  let s = '';
  for (let i = 0; i < n; i++) s += a.charAt((i * 7 + seed * 13) % a.length);
  return s;
};
const letters = (n: number): string =>
  alnum(n * 2, 3)
    .replace(/\d/g, '')
    .slice(0, n)
    .padEnd(n, 'q');
const hex = (n: number): string =>
  alnum(n * 3, 5)
    .toLowerCase()
    .replace(/[^0-9a-f]/g, '')
    .slice(0, n)
    .padEnd(n, 'e');

/** A 1Password service-account token: base64 of a JSON object, ending in `fQ` (`}`) with padding. */
function opsToken(): string {
  let json = JSON.stringify({ signInAddress: 'my.1password.com', userAuth: alnum(80, 7) });
  while (Buffer.byteLength(json) % 3 !== 1) json = json.replace('{', '{ ');
  return `ops_${Buffer.from(json).toString('base64')}`;
}

const PEM = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

/** A positive example per rule of the prefilter's table (several where a rule has several literals). */
const POSITIVES: Record<string, string[]> = {
  aws: ['aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"', `SECRET_ACCESS_KEY: ${alnum(40, 1)}`],
  privatekey: [PEM],
  npm: [`npm_${alnum(36, 3)}`],
  basicauth: ['https://deploy:pa55w0rdXyz@example.com/hook'],
  slack: [`xoxb-123456789012-1234567890123-${alnum(24, 2)}`, `xapp-1-${alnum(11, 4)}-${alnum(30, 5)}`, 'HTTPS://HOOKS.SLACK.COM/services/TABC123/BDEF456/ghiJKL789mno'],
  sendgrid: [`SG.${alnum(22, 6)}.${alnum(43, 7)}`],
  shopify: [`shpat_${hex(32)}`, `shpss_${alnum(40, 8)}`],
  stripe: ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', `rk_test_${alnum(30, 9)}`],
  github: [`ghp_${alnum(36, 1)}`, `gho_${alnum(36, 10)}`, `github_pat_${alnum(82, 11)}`, `ghs_12345_${alnum(20, 12)}.${alnum(20, 13)}.${alnum(20, 14)}`],
  gitlab: [`glpat-${alnum(20, 5)}`],
  grafana: [`glc_${alnum(40, 15)}`, `glsa_${alnum(32, 16)}_${hex(8)}`],
  openai: [`sk-proj-${alnum(74, 17)}T3BlbkFJ${alnum(74, 18)}`, `sk-${alnum(20, 19)}T3BlbkFJ${alnum(20, 20)}`],
  anthropic: [`sk-ant-api03-${alnum(93, 4)}AA`],
  groq: [`gsk_${alnum(52, 21)}`],
  huggingface: [`hf_${letters(34)}`],
  linear: [`lin_api_${alnum(40, 22)}`],
  notion: [`ntn_12345678901${alnum(35, 23)}`],
  '1password': [opsToken()],
  'database-connection-string': [
    'postgres://admin:s3cretPassw0rd@db.example.com:5432/app',
    'MONGODB+SRV://appuser:Xy7pQ2wLz9@cluster0.example.net/prod',
    'jdbc:mysql://root:R3alPassw0rd!@10.0.0.5:3306/shop',
  ],
  'hashicorp-vault': [`hvs.${alnum(90, 6)}`, `hvb.${alnum(150, 24)}`, `hvr.${alnum(100, 25)}`],
  vercel: [`vcp_${alnum(24, 26)}`],
  databricks: [`dapi${hex(32)}`],
  docker: [`dckr_pat_${alnum(27, 27)}`],
  figma: [`figd_${alnum(40, 28)}`],
  cloudflare: [`cfut_${alnum(40, 29)}${hex(8)}`],
  tailscale: [`tskey-api-${alnum(12, 30)}-${alnum(30, 31)}`],
};

/** Directives the preset's comment filter obeys (upstream then reports nothing: asserted below), each before a token. */
const DIRECTIVES = [
  `// secretlint-disable\nnpm_${alnum(36, 33)}\n// secretlint-enable`,
  `<!-- secretlint-disable -->\n{"key":"sk_live_4eC39HqLyjWDarjtT1zdp7dc"}`,
  `// secretlint-disable\nglpat-${alnum(20, 34)} and the rest of the result`,
];

const fixtures = (
  JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../fixtures/secretlint-rule-inputs.json'), 'utf8')) as {
    inputs: Array<{ rule: string; case: string; input: string }>;
  }
).inputs;

const BENIGN = 'The service answered {"status":"ok","items":[{"id":1,"name":"alpha-beta_gamma","url":"https://example.com/a.b"}]} at 12:30:45.\n';

describe('the secretlint prefilter', () => {
  it('was derived for the installed preset (else it is off: re-read each rule and update the table)', () => {
    expect(INSTALLED_PRESET_VERSION).toBe(PRESET_VERSION);
    expect(rulesThatMayReport('plain words only')).not.toBeNull();
    // Every preset rule is in the table but the gcp rule (.json and .p12 files only) and the comment filter (never run).
    const ids = recommended.rules.map((r) => r.meta.id).filter((id) => !Object.hasOwn(RULE_LITERALS, id));
    expect(ids.sort()).toEqual([COMMENT_FILTER_RULE, `${PREFIX}gcp`].sort());
  });

  it('skips the rules that cannot report, and only those, on a text without tokens', () => {
    const may = rulesThatMayReport(BENIGN)!;
    const running = recommended.rules.map((r) => r.meta.id).filter((id) => id !== COMMENT_FILTER_RULE && may(id));
    expect(running.map((id) => id.slice(PREFIX.length)).sort()).toEqual(['aws', 'basicauth', 'database-connection-string', 'databricks', 'gcp', 'slack']);
  });

  it('finds exactly what upstream finds on every rule input and positive example, alone, in benign text and together', async () => {
    const texts = [
      ...fixtures.map((f) => f.input),
      ...Object.values(POSITIVES).flat(),
      ...Object.values(POSITIVES)
        .flat()
        .map((p) => `${BENIGN}result: ${p}\n${BENIGN}`),
      ...fixtures.map((f) => `\ufeff${f.input}`),
      `${BENIGN}${Object.values(POSITIVES).flat().join(`\n${BENIGN}`)}`,
      fixtures.map((f) => f.input).join('\n'),
    ];
    const tripped = new Set<string>();
    for (const [i, text] of texts.entries()) {
      const want = await upstream(text);
      for (const f of want) tripped.add(f.rule.split(':')[1]!);
      // Upstream's ranges are in the text without its BOM; the scan's are in the text itself.
      const bom = text.startsWith('\ufeff') ? 1 : 0;
      expect(await findWithSecretlint(text), `text ${i}`).toEqual(want.map((f) => ({ ...f, start: f.start + bom, end: f.end + bom })));
    }
    // The corpus is only a proof if every rule of the table reported somewhere.
    const inTable = Object.keys(RULE_LITERALS).map((id) => id.slice(PREFIX.length));
    expect(inTable.filter((r) => !tripped.has(r))).toEqual([]);
  });

  it('finds exactly what upstream finds on every package.json and README under node_modules', async () => {
    const files = benignCorpus();
    expect(files.length).toBeGreaterThan(500);
    for (const { file, text } of files) expect(await findWithSecretlint(text), file).toEqual(await upstream(text));
  });
});

describe('a secretlint directive in a result', () => {
  it('does not switch DLP off: the token is still found, where the upstream comment filter would drop it', async () => {
    for (const text of DIRECTIVES) {
      for (const t of [text, `${BENIGN}${text}\n${BENIGN}`]) {
        const found = await findWithSecretlint(t);
        // The attack is real: with its comment filter, upstream reports nothing here.
        expect(await upstream(t, { withCommentFilter: true }), t).toEqual([]);
        expect(found.length, t).toBeGreaterThan(0);
        expect(found, t).toEqual(await upstream(t));
      }
    }
  });
});
