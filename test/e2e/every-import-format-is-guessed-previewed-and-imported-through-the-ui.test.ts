/**
 * Moving in from every app Latchkey reads, in real Chromium through the UI only: for
 * each format (Bitwarden JSON plain and password-protected, 1Password 1PUX and CSV,
 * Chrome, Firefox, Safari, Bitwarden and KeePassXC CSV) the file is chosen, its format
 * is guessed, the preview shows every entry and no secret, and the import writes
 * exactly the items the same importer finds under Node, which search then finds. A
 * wrong password on the protected export is refused in plain words and writes nothing.
 * (KDBX has its own test, with files made by keepassxc-cli.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ImportFormat, ImportResult } from '../../src/core/import';
import type { PreviewServer } from '../../src/preview/server';
import { encryptBitwardenExport } from '../unit/import/bitwarden-encrypt';
import { FIXTURES, fixture, importBytes, onePux } from '../unit/import/helpers';
import { launchChromium, openApp, startApp } from './harness/browser';

const PASSWORD = 'import e2e vault password';
const BW_PASSWORD = 'bitwarden export pw';

interface Case {
  readonly label: string;
  readonly fileName: string;
  readonly format: ImportFormat;
  readonly bytes: Uint8Array;
  readonly password?: string;
}

let server: PreviewServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

/** Every secret-looking value the importer found, to be absent from the preview page. */
function secretsOf(r: ImportResult): string[] {
  const out: string[] = [];
  for (const i of r.items) {
    const d = i.draft.details as unknown as Record<string, unknown>;
    for (const k of ['password', 'secret', 'privateKey']) {
      const v = d[k];
      if (typeof v === 'string' && v.length >= 6) out.push(v);
    }
  }
  return out;
}

async function cases(): Promise<Case[]> {
  const csv = (label: string, name: string, format: ImportFormat): Case => ({ label, fileName: name, format, bytes: fixture(name) });
  const bitwardenPlain = readFileSync(join(FIXTURES, 'bitwarden.json'), 'utf8');
  return [
    { label: 'Bitwarden JSON', fileName: 'bitwarden.json', format: 'bitwarden_json', bytes: fixture('bitwarden.json') },
    {
      label: 'Bitwarden password-protected JSON',
      fileName: 'bitwarden_encrypted_export.json',
      format: 'bitwarden_json',
      bytes: new TextEncoder().encode(await encryptBitwardenExport(bitwardenPlain, BW_PASSWORD, { type: 0, iterations: 1000 })),
      password: BW_PASSWORD,
    },
    { label: '1Password 1PUX', fileName: '1PasswordExport.1pux', format: 'onepassword_1pux', bytes: onePux() },
    csv('1Password CSV', '1password.csv', 'onepassword_csv'),
    csv('Chrome CSV', 'chrome.csv', 'chrome_csv'),
    csv('Firefox CSV', 'firefox.csv', 'firefox_csv'),
    csv('Safari CSV', 'safari.csv', 'safari_csv'),
    csv('Bitwarden CSV', 'bitwarden.csv', 'bitwarden_csv'),
    csv('KeePassXC CSV', 'keepassxc.csv', 'keepassxc_csv'),
  ];
}

/** Items the vault holds, as the list shows them once it has caught up (it loads after the page opens). */
let total = 0;
async function expectItemCount(n: number, message: string): Promise<void> {
  await page.click('[data-testid=nav-items]');
  await page.fill('[data-testid=search]', '');
  await expect.poll(() => page.locator('[data-testid=item-row]').count(), { message, timeout: 15_000 }).toBe(n);
}

beforeAll(async () => {
  server = await startApp(inject('rendererDir'));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await openApp(context, server, problems);
  await page.waitForSelector('[data-testid=create-password]');
  await page.fill('[data-testid=create-password]', PASSWORD);
  await page.fill('[data-testid=create-confirm]', PASSWORD);
  await page.click('[data-testid=create-submit]');
  await page.waitForSelector('[data-testid=recovery-code]', { timeout: 60_000 });
  await page.check('[data-testid=recovery-saved]');
  await page.click('[data-testid=recovery-continue]');
  await page.waitForSelector('[data-testid=search]');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('every import format through the UI', () => {
  it('a wrong password on a password-protected Bitwarden export is refused in plain words and writes nothing', async () => {
    const protectedCase = (await cases()).find((c) => c.password !== undefined)!;
    await page.click('[data-testid=nav-import]');
    await page.setInputFiles('[data-testid=import-file]', { name: protectedCase.fileName, mimeType: 'application/json', buffer: Buffer.from(protectedCase.bytes) });
    await expect.poll(() => page.inputValue('[data-testid=import-format]')).toBe('bitwarden_json');
    await page.fill('[data-testid=import-password]', 'not the export password');
    await page.click('[data-testid=import-preview]');
    const error = page.locator('[data-testid=error]');
    await expect.poll(() => error.textContent(), { timeout: 30_000 }).toMatch(/password/i);
    expect(await error.textContent()).not.toMatch(/[a-z]+_[a-z]+|\bat "/);
    expect(await page.locator('[data-testid=import-report]').count()).toBe(0);
    // Nothing was written: the first real import below must find the vault as empty as it began.
    await expectItemCount(total, 'items after a refused import');
  });

  it('each format is guessed, previewed without a secret, and imports what the importer finds', async () => {
    for (const c of await cases()) {
      const expected = await importBytes(c.format, c.bytes, { fileName: c.fileName, ...(c.password ? { password: c.password } : {}) });
      expect(expected.items.length, c.label).toBeGreaterThan(0);
      await page.click('[data-testid=nav-import]');
      await page.setInputFiles('[data-testid=import-file]', { name: c.fileName, mimeType: 'application/octet-stream', buffer: Buffer.from(c.bytes) });
      await expect.poll(() => page.inputValue('[data-testid=import-format]'), { message: `${c.label}: guessed format` }).toBe(c.format);
      if (c.password) await page.fill('[data-testid=import-password]', c.password);
      await page.click('[data-testid=import-preview]');
      await page.waitForSelector('[data-testid=import-report]', { timeout: 30_000 });
      expect(await page.locator('[data-testid=import-entries] tbody tr').count(), `${c.label}: preview rows`).toBe(expected.items.length);
      const html = await page.content();
      for (const s of secretsOf(expected)) expect(html.includes(s), `${c.label}: a secret is in the preview page`).toBe(false);

      await page.click('[data-testid=import-commit]');
      const n = expected.items.length;
      await expect.poll(() => page.textContent('[data-testid=import-done]'), { timeout: 30_000 }).toContain(`Imported ${n} item${n === 1 ? '' : 's'}`);
      total += n;
      await expectItemCount(total, `${c.label}: items after import`);

      const title = expected.items[0]!.draft.overview.title;
      await page.fill('[data-testid=search]', title);
      await expect.poll(() => page.locator('[data-testid=item-row]', { hasText: title }).count(), { message: `${c.label}: search finds ${title}` }).toBeGreaterThan(0);
    }
    expect(problems).toEqual([]);
  });
});
