import { describe, expect, test } from 'vitest';
import { byTitle, importBytes } from './helpers';
import { kdbx31, kdbx4, keepassxcAvailable } from './keepassxc';
import type { ImportResult } from '../../../src/core/import';

const kx = keepassxcAvailable();

function expectFixtureEntries(r: ImportResult): void {
  const gh = byTitle(r, 'GitHub');
  expect(gh.draft.overview).toMatchObject({ kind: 'login', username: 'octo', urls: ['https://github.com'], tags: [] });
  expect(gh.draft.details).toMatchObject({ password: 'hunter2', notes: 'main account', totp: expect.stringContaining('secret=JBSWY3DPEHPK3PXP') });
  expect(gh.draft.details.customFields).toContainEqual(expect.objectContaining({ name: 'Team', value: 'core', concealed: false }));
  expect(gh.draft.details.customFields).toContainEqual(expect.objectContaining({ name: 'Recovery', value: 'abcd-efgh', concealed: true }));
  const key = byTitle(r, 'OpenAI key');
  expect(key.draft.overview.tags).toEqual(['Work/Cloud']);
  expect(key.apiSuggestion?.overview).toMatchObject({ kind: 'api_credential', injection: { type: 'bearer' }, allowedOrigins: ['https://api.openai.com'] });
}

describe.skipIf(!kx)('KDBX made by keepassxc-cli', () => {
  test('KDBX 3.1 with AES-KDF: entries, groups as tags, TOTP, custom fields; the recycle bin is skipped', async () => {
    const db = kdbx31('correct horse');
    const r = await importBytes('kdbx', db.bytes, { password: 'correct horse' });
    expectFixtureEntries(r);
    expect(r.items.some((i) => i.draft.overview.title === 'Old thing')).toBe(false);
    expect(r.report.skipped).toEqual([{ entry: 'entry 3 "Old thing"', reason: 'it is in the recycle bin' }]);
  }, 60_000);

  test.each(['argon2d', 'argon2id', 'aes'] as const)(
    'KDBX 4 with %s',
    async (kdf) => {
      const db = await kdbx4('correct horse', kdf);
      expectFixtureEntries(await importBytes('kdbx', db.bytes, { password: 'correct horse' }));
    },
    60_000,
  );

  test('a password plus key file database opens only with both', async () => {
    const db = await kdbx4('correct horse', 'argon2id', { keyFile: true });
    expectFixtureEntries(await importBytes('kdbx', db.bytes, { password: 'correct horse', keyFile: db.keyFile! }));
    await expect(importBytes('kdbx', db.bytes, { password: 'correct horse', fileName: 'vault.kdbx' })).rejects.toMatchObject({
      code: 'wrong_password',
      details: { file: 'vault.kdbx' },
    });
    await expect(importBytes('kdbx', db.bytes, { keyFile: db.keyFile! })).rejects.toMatchObject({ code: 'wrong_password' });
  }, 60_000);

  test('a wrong password is wrong_password, in plain words', async () => {
    const db = kdbx31('correct horse');
    await expect(importBytes('kdbx', db.bytes, { password: 'nope' })).rejects.toMatchObject({
      code: 'wrong_password',
      message: expect.stringContaining('does not open this KeePass database'),
    });
  }, 60_000);

  test('a database cut inside its header names the file', async () => {
    const db = kdbx31('correct horse');
    await expect(importBytes('kdbx', db.bytes.subarray(0, 100), { password: 'correct horse', fileName: 'cut.kdbx' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { file: 'cut.kdbx' },
    });
  }, 60_000);
});
