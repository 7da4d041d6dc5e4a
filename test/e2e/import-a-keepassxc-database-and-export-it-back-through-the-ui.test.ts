/**
 * Moving in, in real Chromium through the UI only: a KeePassXC database made here by
 * keepassxc-cli is chosen in the Import page, previewed (report, an API-credential
 * offer accepted), imported by the real engine worker; the items are searchable; an
 * encrypted export of them downloads; the generator fills a new login's password
 * after a preview, with a strength shown. Screenshots at 1280×800 go to the e2e artefacts.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { kdbx4, keepassxcAvailable } from '../unit/import/keepassxc';
import { launchChromium, openApp, startApp } from './harness/browser';

const PASSWORD = 'e2e vault password 1';
const DB_PASSWORD = 'keepass e2e pw';
const SCREENS = join(tmpdir(), 'latchkey-e2e-screens');

let server: PreviewServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  server = await startApp(inject('rendererDir'));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await openApp(context, server, problems);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.skipIf(!keepassxcAvailable())('import and export in Chromium', () => {
  it('creates a vault', async () => {
    await page.waitForSelector('[data-testid=create-password]');
    await page.fill('[data-testid=create-password]', PASSWORD);
    await page.fill('[data-testid=create-confirm]', PASSWORD);
    await page.click('[data-testid=create-submit]');
    await page.waitForSelector('[data-testid=recovery-code]', { timeout: 30_000 });
    await page.check('[data-testid=recovery-saved]');
    await page.click('[data-testid=recovery-continue]');
    await page.waitForSelector('[data-testid=search]');
  });

  it('imports a KeePassXC KDBX 4 database after a preview, taking the API-credential offer', async () => {
    const db = await kdbx4(DB_PASSWORD, 'argon2id');
    await page.click('[data-testid=nav-import]');
    await page.setInputFiles('[data-testid=import-file]', { name: 'Passwords.kdbx', mimeType: 'application/octet-stream', buffer: Buffer.from(db.bytes) });
    await expect.poll(() => page.inputValue('[data-testid=import-format]')).toBe('kdbx');
    await page.fill('[data-testid=import-password]', 'wrong password');
    await page.click('[data-testid=import-preview]');
    await expect.poll(() => page.textContent('[data-testid=error]'), { timeout: 30_000 }).toContain('does not open this KeePass database');
    await page.fill('[data-testid=import-password]', DB_PASSWORD);
    await page.click('[data-testid=import-preview]');
    await page.waitForSelector('[data-testid=import-report]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=import-report]')).toContain('3 logins');
    // The preview shows titles, never a secret.
    const html = await page.content();
    for (const secret of ['hunter2', 'abcd-efgh', 'sk-proj-abcdefghijklmnopqrstuvwxyz012345']) expect(html).not.toContain(secret);
    await page.locator('[data-testid=import-entries] tr', { hasText: 'OpenAI key' }).locator('input[data-testid^=import-as-api]').check();
    await shot('import-preview-1280');
    await page.setViewportSize({ width: 760, height: 800 });
    await shot('import-preview-760');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.click('[data-testid=import-commit]');
    await expect.poll(() => page.textContent('[data-testid=import-done]'), { timeout: 30_000 }).toContain('Imported 3 items');

    await page.click('[data-testid=nav-items]');
    await expect.poll(() => page.locator('[data-testid=item-row]').count()).toBe(3);
    await page.fill('[data-testid=search]', 'openai');
    await expect.poll(() => page.locator('[data-testid=item-row]').count()).toBe(1);
    await page.fill('[data-testid=search]', '');
  });

  it('exports the vault encrypted, as a download named .lkexport that is not plaintext', async () => {
    await page.click('[data-testid=nav-import]');
    await page.fill('[data-testid=export-passphrase]', 'export passphrase e2e');
    await page.fill('[data-testid=export-passphrase-again]', 'export passphrase e2e');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('[data-testid=export-encrypted]')]);
    expect(download.suggestedFilename()).toMatch(/\.lkexport$/);
    const bytes = readFileSync(await download.path());
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('LKEX');
    expect(bytes.includes(Buffer.from('hunter2'))).toBe(false);
    await shot('export-1280');
  });

  it('the generator shows a passphrase and its strength before it fills the password', async () => {
    await page.click('[data-testid=nav-items]');
    await page.selectOption('[data-testid=new-kind]', 'login');
    await page.click('[data-testid=new-item]');
    await page.fill('[data-testid=edit-title]', 'Generated');
    await page.click('[data-testid=edit-password-generate]');
    await page.check('[data-testid=gen-passphrase]');
    const preview = (await page.textContent('[data-testid=gen-preview]'))!;
    expect(preview.split('-')).toHaveLength(5);
    await expect.poll(() => page.getAttribute('[data-testid=generator] [data-testid=strength]', 'data-score')).toMatch(/[34]/);
    expect(await page.inputValue('[data-testid=edit-password]')).toBe('');
    await shot('generator-1280');
    await page.click('[data-testid=gen-use]');
    expect(await page.inputValue('[data-testid=edit-password]')).toBe(preview);
    await page.click('[data-testid=edit-save]');
    await page.waitForSelector('[data-testid=item-detail]');
    expect(problems).toEqual([]);
  });
});
