import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { encryptBitwardenExport } from './bitwarden-encrypt';
import { FIXTURES, byTitle, importBytes } from './helpers';

const plain = readFileSync(join(FIXTURES, 'bitwarden.json'), 'utf8');
const bytes = (s: string) => new TextEncoder().encode(s);

describe('Bitwarden password-protected export', () => {
  test.each([
    ['PBKDF2-SHA256', { type: 0, iterations: 1000 }],
    ['argon2id', { type: 1, iterations: 2, memoryMiB: 16, parallelism: 1 }],
  ] as const)('%s: decrypts to the same items as the plain export', async (_name, kdf) => {
    const file = await encryptBitwardenExport(plain, 'export pass', kdf);
    const r = await importBytes('bitwarden_json', bytes(file), { password: 'export pass' });
    const p = await importBytes('bitwarden_json', bytes(plain));
    expect(r).toEqual(p);
    expect(byTitle(r, 'GitHub').draft.details).toMatchObject({ password: 'hunter2' });
  });

  test('the wrong password, or none, is wrong_password; a flipped byte in the data is caught by its MAC', async () => {
    const file = await encryptBitwardenExport(plain, 'export pass', { type: 0, iterations: 1000 });
    await expect(importBytes('bitwarden_json', bytes(file), { password: 'other' })).rejects.toMatchObject({ code: 'wrong_password' });
    await expect(importBytes('bitwarden_json', bytes(file))).rejects.toMatchObject({ code: 'wrong_password', message: expect.stringContaining('password protected') });
    const j = JSON.parse(file) as { data: string };
    const [iv, ct, mac] = j.data.slice(2).split('|') as [string, string, string];
    const ctBytes = Buffer.from(ct, 'base64');
    ctBytes[0]! ^= 1;
    const tampered = JSON.stringify({ ...JSON.parse(file), data: `2.${iv}|${ctBytes.toString('base64')}|${mac}` });
    await expect(importBytes('bitwarden_json', bytes(tampered), { password: 'export pass' })).rejects.toMatchObject({
      code: 'wrong_password',
      message: expect.stringContaining('altered'),
    });
  });

  test('an account-restricted export is refused with what to do instead', async () => {
    const file = JSON.stringify({ encrypted: true, encKeyValidation_DO_NOT_EDIT: '2.a|b|c', folders: [], items: [] });
    await expect(importBytes('bitwarden_json', bytes(file), { password: 'x', fileName: 'bw.json' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('Password protected'),
    });
  });

  test('a KDF cost beyond the ceiling is refused before any work', async () => {
    const file = JSON.stringify({
      encrypted: true,
      passwordProtected: true,
      salt: 's',
      kdfType: 1,
      kdfIterations: 3,
      kdfMemory: 4096,
      kdfParallelism: 4,
      encKeyValidation_DO_NOT_EDIT: '2.a|b|c',
      data: '2.a|b|c',
    });
    await expect(importBytes('bitwarden_json', bytes(file), { password: 'x' })).rejects.toMatchObject({ code: 'kdf_too_costly' });
    const pb = JSON.stringify({ encrypted: true, passwordProtected: true, salt: 's', kdfType: 0, kdfIterations: 1e9, encKeyValidation_DO_NOT_EDIT: '2.a|b|c', data: '2.a|b|c' });
    await expect(importBytes('bitwarden_json', bytes(pb), { password: 'x' })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
