/**
 * DLP on agent-bound output (src/main/gateway/dlp): each category is found — service
 * tokens and private keys by secretlint's recommended preset, JWTs, Luhn-valid card
 * numbers, IBANs whose mod-97 check holds, e-mail addresses, phone numbers — and
 * numbers that only look like cards or IBANs (a wrong check digit) are not; each
 * action does what it says: redact replaces the match, warn leaves the text and
 * reports it, block reports a block, off finds nothing. Findings carry rule ids only.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DLP_DEFAULTS, applyDlp, dlpMarker, findDlp } from '../../../src/main/gateway/dlp';
import { isCardNumber, isIban, luhnValid } from '../../../src/main/gateway/dlp/checksums';
import type { DlpAction, DlpCategory } from '../../../src/shared/policy';

const all = (action: DlpAction): Record<DlpCategory, DlpAction> => ({ secrets: action, cards: action, iban: action, email: action, phone: action });
const GITHUB = `ghp_${'Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2'.slice(0, 36)}`;
const STRIPE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const PEM = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

describe('checksums', () => {
  it('Luhn, card issuer prefixes and lengths', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    for (const n of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '3530111333300000', '2223003122003222']) expect(isCardNumber(n), n).toBe(true);
    for (const n of ['4111111111111112', '1234567812345670', '0000000000000000', '411111111111']) expect(isCardNumber(n), n).toBe(false);
  });

  it('IBAN: country length and ISO 7064 mod 97-10', () => {
    for (const i of ['GB82WEST12345698765432', 'DE89370400440532013000', 'FR1420041010050500013M02606', 'NL91ABNA0417164300', 'CH9300762011623852957'])
      expect(isIban(i), i).toBe(true);
    for (const i of ['GB82WEST12345698765431', 'DE89370400440532013001', 'XX82WEST12345698765432', 'GB82WEST1234569876543']) expect(isIban(i), i).toBe(false);
  });
});

describe('findDlp', () => {
  it.each([
    ['secrets', `token: ${GITHUB}`, /^secretlint:github:/],
    ['secrets', `stripe ${STRIPE} here`, /^secretlint:stripe:/],
    ['secrets', `key:\n${PEM}`, /^secretlint:privatekey:/],
    ['secrets', `Authorization: Bearer ${JWT}`, /^jwt$/],
    ['cards', 'card 4111 1111 1111 1111 exp 12/29', /^card\.luhn$/],
    ['cards', 'amex 3782-822463-10005.', /^card\.luhn$/],
    ['iban', 'pay to GB82 WEST 1234 5698 7654 32 today', /^iban\.mod97$/],
    ['email', 'write to alice.smith+ops@example.co.uk please', /^email$/],
    ['phone', 'call +44 20 7946 0958 or', /^phone$/],
    ['phone', 'US office (415) 555-0132.', /^phone$/],
  ] as const)('finds %s in %j', async (category, text, rule) => {
    const found = await findDlp(text, all('redact'));
    expect(found.map((f) => f.category)).toContain(category);
    expect(found.find((f) => f.category === category)!.rule).toMatch(rule);
  });

  it('does not flag numbers that fail the check, or ordinary numbers and dates', async () => {
    const text = 'order 4111 1111 1111 1112, id 1234567812345678, ts 1733212345678, GB82WEST12345698765431, version 1.2.3, 2026-12-03, port 8080';
    const found = await findDlp(text, all('redact'));
    expect(found.filter((f) => f.category === 'cards' || f.category === 'iban')).toEqual([]);
  });

  it('a category that is off is not looked for', async () => {
    expect(await findDlp(`card 4111111111111111 ${GITHUB} a@b.example`, all('off'))).toEqual([]);
  });
});

describe('applyDlp', () => {
  const text = `card 4111111111111111 and ${GITHUB} from bob@example.com`;

  it('redact replaces only the match, with a marker naming the category', async () => {
    const r = await applyDlp([text], all('redact'));
    expect(r.texts[0]).toBe(`card ${dlpMarker('cards')} and ${dlpMarker('secrets')} from ${dlpMarker('email')}`);
    expect(r.blocked).toBe(false);
    expect(r.findings.map((f) => f.action)).toEqual(['redact', 'redact', 'redact']);
  });

  it('warn leaves the text and reports the rule, never the match', async () => {
    const r = await applyDlp([text], all('warn'));
    expect(r.texts[0]).toBe(text);
    expect(r.findings.map((f) => f.category).sort()).toEqual(['cards', 'email', 'secrets']);
    expect(JSON.stringify(r.findings)).not.toContain('4111111111111111');
    expect(JSON.stringify(r.findings)).not.toContain(GITHUB);
  });

  it('block reports a block', async () => {
    const r = await applyDlp(['nothing here', text], { ...DLP_DEFAULTS, cards: 'block' });
    expect(r.blocked).toBe(true);
    expect(r.findings.find((f) => f.category === 'cards')!.action).toBe('block');
  });

  it('defaults: secrets, cards and IBANs redacted; e-mail and phone flagged', () => {
    expect(DLP_DEFAULTS).toEqual({ secrets: 'redact', cards: 'redact', iban: 'redact', email: 'warn', phone: 'warn' });
  });
});
