/**
 * Export → import in real Chromium (renderer, engine worker, IndexedDB), through the
 * UI: one vault has a login whose password was changed and a trashed note; its
 * encrypted export (a download) is imported in a second browser context with a fresh
 * vault; the preview says what comes back with history and what goes back to the
 * trash; after the import the login's History lists the earlier password, which
 * reveals, and the Trash page holds the note with its days left.
 */
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { launchChromium, openApp, startApp } from './harness/browser';
import { pageCall } from './harness/page-engine';

const PASSWORD = 'export e2e password 1';
const PASSPHRASE = 'export e2e passphrase';
const FIRST = 'first-password-1A!';
const SECOND = 'second-password-2B!';

let server: PreviewServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

async function freshVault(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  contexts.push(context);
  const page = await openApp(context, server, problems);
  await pageCall(page, 'ui', 'vault.create', { password: PASSWORD });
  await page.reload();
  await page.waitForSelector('[data-testid=unlock-password]', { timeout: 30_000 });
  await page.fill('[data-testid=unlock-password]', PASSWORD);
  await page.click('[data-testid=unlock-submit]');
  await page.waitForSelector('[data-testid=search]', { timeout: 30_000 });
  return page;
}

beforeAll(async () => {
  server = await startApp(inject('rendererDir'));
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.close();
});

describe('an encrypted export round trip in Chromium', () => {
  let exported: Buffer;

  it('exports a vault with an edited login and a trashed note', async () => {
    const page = await freshVault();
    const { item } = await pageCall<{ item: { id: string } }>(page, 'ui', 'item.create', {
      item: { overview: { kind: 'login', title: 'Bank', username: 'me@example.com', urls: [], tags: [] }, details: { kind: 'login', password: FIRST, customFields: [] } },
    });
    const view = (await pageCall<{ item: { version: number; overview: unknown; details: Record<string, unknown> } }>(page, 'ui', 'item.get', { id: item.id })).item;
    await pageCall(page, 'ui', 'item.update', { id: item.id, baseVersion: view.version, overview: view.overview, details: { ...view.details, password: SECOND } });
    const note = await pageCall<{ item: { id: string } }>(page, 'ui', 'item.create', {
      item: { overview: { kind: 'secure_note', title: 'Old note', urls: [], tags: [] }, details: { kind: 'secure_note', text: 'old text', customFields: [] } },
    });
    await pageCall(page, 'ui', 'item.delete', { id: note.item.id });

    await page.click('[data-testid=nav-import]');
    await page.fill('[data-testid=export-passphrase]', PASSPHRASE);
    await page.fill('[data-testid=export-passphrase-again]', PASSPHRASE);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('[data-testid=export-encrypted]')]);
    exported = readFileSync(await download.path());
    expect(exported.subarray(0, 5)).toEqual(Buffer.from([0x4c, 0x4b, 0x45, 0x58, 2]));
    expect(exported.includes(Buffer.from(FIRST))).toBe(false);
  });

  it('imports it into a fresh vault: the login keeps its History, the note is back in the Trash', async () => {
    const page = await freshVault();
    await page.click('[data-testid=nav-import]');
    await page.setInputFiles('[data-testid=import-file]', { name: 'vault.lkexport', mimeType: 'application/octet-stream', buffer: exported });
    await expect.poll(() => page.inputValue('[data-testid=import-format]')).toBe('latchkey_export');
    await page.fill('[data-testid=import-password]', PASSPHRASE);
    await page.click('[data-testid=import-preview]');
    await page.waitForSelector('[data-testid=import-report]', { timeout: 30_000 });
    const entries = page.locator('[data-testid=import-entries]');
    expect(await entries.locator('tr', { hasText: 'Bank' }).textContent()).toContain('1 earlier version');
    expect(await entries.locator('tr', { hasText: 'Old note' }).textContent()).toContain('back to the trash');
    expect(await page.content()).not.toContain(FIRST);
    await page.click('[data-testid=import-commit]');
    await expect.poll(() => page.textContent('[data-testid=import-done]'), { timeout: 30_000 }).toContain('Imported 2 items');

    await page.click('[data-testid=nav-items]');
    await expect.poll(() => page.locator('[data-testid=item-row]').count()).toBe(1);
    await page.locator('[data-testid=item-row]', { hasText: 'Bank' }).click();
    await page.waitForSelector('[data-testid=item-history]');
    const history = page.locator('[data-testid=item-history]');
    expect(await history.locator('[data-testid=history-version]').count()).toBe(1);
    await history.locator('button:has-text("Reveal")').click();
    expect(await history.locator('[data-testid=history-value]').textContent()).toBe(FIRST);
    await page.click('[data-field=password] button:has-text("Reveal")');
    expect(await page.textContent('[data-field=password] [data-testid=secret-value]')).toBe(SECOND);

    await page.click('[data-testid=nav-trash]');
    const row = page.locator('[data-testid=trash-row]', { hasText: 'Old note' });
    await row.waitFor();
    expect(await row.locator('[data-testid=trash-days-left]').textContent()).toBe('30 days');
    expect(problems).toEqual([]);
  });
});
