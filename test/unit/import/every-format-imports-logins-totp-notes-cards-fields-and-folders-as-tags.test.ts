import { describe, expect, test } from 'vitest';
import { byTitle, fixture, importBytes, onePux } from './helpers';
import { guessImportFormat } from '../../../src/core/import';

describe('CSV exports', () => {
  test('Chrome: name, url, username, password and note; quotes and commas survive', async () => {
    const r = await importBytes('chrome_csv', fixture('chrome.csv'));
    expect(r.items).toHaveLength(2);
    const gh = byTitle(r, 'GitHub');
    expect(gh.draft.overview).toMatchObject({ kind: 'login', username: 'octo', urls: ['https://github.com/login'] });
    expect(gh.draft.details).toMatchObject({ kind: 'login', password: 'hunter2', notes: 'work account, main' });
    expect(byTitle(r, 'Example').draft.details).toMatchObject({ password: 'pa"ss,word' });
    expect(r.report.counts.login).toBe(2);
  });

  test('Firefox: titled by host; a login without a password is still imported', async () => {
    const r = await importBytes('firefox_csv', fixture('firefox.csv'));
    expect(byTitle(r, 'accounts.firefox.com').draft.details).toMatchObject({ password: 's3cret!' });
    expect(byTitle(r, 'intranet.example.com').draft.overview.username).toBe('bob');
  });

  test('Safari: OTPAuth becomes the TOTP, multi-line notes are kept', async () => {
    const r = await importBytes('safari_csv', fixture('safari.csv'));
    const i = byTitle(r, 'example.com (alice)');
    expect(i.draft.details).toMatchObject({ totp: expect.stringContaining('otpauth://totp/'), notes: 'line one\nline two' });
  });

  test('Bitwarden CSV: folders are tags, "name: value" fields are custom fields, notes are notes, a Stripe key is offered as an API credential', async () => {
    const r = await importBytes('bitwarden_csv', fixture('bitwarden.csv'));
    const tw = byTitle(r, 'Twitter');
    expect(tw.draft.overview.tags).toEqual(['Social']);
    expect(tw.draft.details.customFields.map((f) => [f.name, f.value])).toEqual([
      ['Recovery email', 'me@example.com'],
      ['PIN', '1234'],
    ]);
    expect(tw.draft.details).toMatchObject({ totp: 'JBSWY3DPEHPK3PXP' });
    expect(byTitle(r, 'Wifi').draft.details).toMatchObject({ kind: 'secure_note', text: 'The password is on the router' });
    const stripe = byTitle(r, 'Stripe');
    expect(stripe.apiSuggestion?.overview).toMatchObject({ kind: 'api_credential', injection: { type: 'bearer' }, allowedOrigins: ['https://api.stripe.com'] });
    expect(stripe.apiSuggestion?.details).toMatchObject({ secret: 'sk_live_abcdefghijklmnopqrstuvwx' });
    expect(r.report.counts).toMatchObject({ login: 2, secure_note: 1 });
  });

  test('KeePassXC CSV: the group path below Root is the tag', async () => {
    const r = await importBytes('keepassxc_csv', fixture('keepassxc.csv'));
    expect(byTitle(r, 'GitHub').draft.overview.tags).toEqual([]);
    expect(byTitle(r, 'GitHub').draft.details).toMatchObject({ totp: expect.stringContaining('secret=JBSWY3DPEHPK3PXP') });
    expect(byTitle(r, 'AWS console').draft.overview.tags).toEqual(['Work/Cloud']);
  });

  test('1Password CSV: tags split, a GitLab token is offered with its PRIVATE-TOKEN header', async () => {
    const r = await importBytes('onepassword_csv', fixture('1password.csv'));
    expect(byTitle(r, 'Dropbox').draft.overview.tags).toEqual(['personal', 'cloud']);
    expect(byTitle(r, 'GitLab token').apiSuggestion?.overview.injection).toEqual({ type: 'header', name: 'PRIVATE-TOKEN', template: '{secret}' });
  });

  test('a CSV of another app is refused, naming the file and the missing columns', async () => {
    await expect(importBytes('firefox_csv', fixture('chrome.csv'), { fileName: 'passwords.csv' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/passwords\.csv.*not a Firefox CSV export.*httprealm/),
      details: { file: 'passwords.csv' },
    });
  });
});

describe('Bitwarden JSON', () => {
  test('logins with TOTP and custom fields, notes, cards and identities as notes with fields, SSH keys, folders as tags', async () => {
    const r = await importBytes('bitwarden_json', fixture('bitwarden.json'));
    const gh = byTitle(r, 'GitHub');
    expect(gh.draft.overview).toMatchObject({ kind: 'login', username: 'octo', urls: ['https://github.com'], tags: ['Personal'] });
    expect(gh.draft.details).toMatchObject({ password: 'hunter2', totp: expect.stringContaining('otpauth://'), notes: '2FA on' });
    expect(gh.draft.details.customFields.map((f) => [f.name, f.concealed])).toEqual([
      ['Recovery code', true],
      ['Team', false],
      ['Uses SSO', false],
    ]);
    expect(r.report.dropped).toContainEqual({ entry: 'entry 1 "GitHub"', reason: expect.stringContaining('linked') });

    expect(byTitle(r, 'Door code').draft.details).toMatchObject({ kind: 'secure_note', text: '4711' });
    const visa = byTitle(r, 'Visa');
    expect(visa.sourceKind).toBe('card');
    expect(visa.draft.details.kind).toBe('secure_note');
    expect(visa.draft.details.customFields).toContainEqual(expect.objectContaining({ name: 'Number', value: '4111111111111111', concealed: true }));
    expect(visa.draft.details.customFields).toContainEqual(expect.objectContaining({ name: 'Security code', concealed: true }));
    const me = byTitle(r, 'Me');
    expect(me.sourceKind).toBe('identity');
    expect(me.draft.details.customFields).toContainEqual(expect.objectContaining({ name: 'Passport number', value: 'X1234567', concealed: true }));
    expect(byTitle(r, 'Deploy key').draft.details).toMatchObject({
      kind: 'ssh_key',
      privateKey: expect.stringContaining('OPENSSH'),
      publicKey: expect.stringContaining('ssh-ed25519'),
    });
    expect(byTitle(r, 'OpenAI').apiSuggestion?.overview).toMatchObject({ injection: { type: 'bearer' }, allowedOrigins: ['https://api.openai.com'] });

    expect(r.report.counts).toEqual({ login: 2, secure_note: 1, card: 1, identity: 1, ssh_key: 1, api_credential: 0 });
    expect(r.report.skipped).toEqual([{ entry: 'entry 7', reason: 'it is empty' }]);
  });
});

describe('1Password 1PUX', () => {
  test('vaults and tags as tags, TOTP from its section, cards and identities as notes, API credentials offered, documents skipped', async () => {
    const r = await importBytes('onepassword_1pux', onePux());
    const gh = byTitle(r, 'GitHub');
    expect(gh.draft.overview).toMatchObject({ username: 'octo', urls: ['https://github.com'], tags: ['Personal', 'dev'] });
    expect(gh.draft.details).toMatchObject({ password: 'hunter2', totp: expect.stringContaining('otpauth://'), notes: 'main account' });
    expect(gh.draft.details.customFields).toContainEqual(expect.objectContaining({ name: 'Security › backup code', value: '1111-2222', concealed: true }));
    expect(gh.draft.details.customFields).toContainEqual(expect.objectContaining({ name: 'Security › recovery email', value: 'octo@example.com' }));
    expect(r.report.dropped).toContainEqual({ entry: 'entry 1 "GitHub"', reason: 'password history' });

    const visa = byTitle(r, 'Visa');
    expect(visa.sourceKind).toBe('card');
    expect(visa.draft.details.customFields).toContainEqual(expect.objectContaining({ name: 'number', value: '4111111111111111', concealed: true }));
    expect(visa.draft.details.customFields).toContainEqual(expect.objectContaining({ name: 'expiry date', value: '12/2030' }));
    expect(byTitle(r, 'Door code').draft.overview.tags).toContain('Archived');
    const id = byTitle(r, 'Alice Example');
    expect(id.draft.details.customFields).toContainEqual(expect.objectContaining({ name: 'Address › address', value: '1 Main St, Wellington, 6011, nz' }));

    const api = byTitle(r, 'Internal API');
    expect(api.apiSuggestion?.overview).toMatchObject({ kind: 'api_credential', allowedOrigins: ['https://api.internal.example.com'], injection: { type: 'bearer' } });
    expect(api.apiSuggestion?.details).toMatchObject({ secret: 'abcdEFGHijklMNOPqrstUVWX' });
    expect(byTitle(r, 'Laptop key').draft.details).toMatchObject({ kind: 'ssh_key', publicKey: expect.stringContaining('ssh-ed25519') });
    expect(r.report.skipped).toEqual([{ entry: 'entry 7 "Passport scan"', reason: expect.stringContaining('document') }]);
  });

  test('a ZIP without export.data is refused by name', async () => {
    const { zipSync, strToU8 } = await import('fflate');
    await expect(importBytes('onepassword_1pux', zipSync({ 'other.txt': strToU8('x') }), { fileName: 'export.1pux' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('export.1pux'),
    });
  });
});

test('the format is guessed from the name and the first bytes', () => {
  expect(guessImportFormat('x.csv', fixture('chrome.csv'))).toBe('chrome_csv');
  expect(guessImportFormat('x.csv', fixture('firefox.csv'))).toBe('firefox_csv');
  expect(guessImportFormat('x.csv', fixture('safari.csv'))).toBe('safari_csv');
  expect(guessImportFormat('x.csv', fixture('bitwarden.csv'))).toBe('bitwarden_csv');
  expect(guessImportFormat('x.csv', fixture('keepassxc.csv'))).toBe('keepassxc_csv');
  expect(guessImportFormat('x.csv', fixture('1password.csv'))).toBe('onepassword_csv');
  expect(guessImportFormat('x.json', fixture('bitwarden.json'))).toBe('bitwarden_json');
  expect(guessImportFormat('x.1pux', onePux())).toBe('onepassword_1pux');
});
