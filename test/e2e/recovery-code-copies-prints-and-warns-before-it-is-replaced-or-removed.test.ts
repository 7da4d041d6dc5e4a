/**
 * The recovery code as a person handles it, in the real renderer and engine worker:
 * shown once with Copy (through the app's auto-clearing clipboard slot) and Print, and
 * an "I stored it" confirmation before going on; replacing it needs a second, explicit
 * step that says the current code stops working; removing it says what that costs and
 * needs a second step too. The page's `print` is replaced by a recorder (headless
 * Chromium has no printer).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { launchChromium, openApp, startApp } from './harness/browser';
import { pageCall } from './harness/page-engine';

const PASSWORD = 'recovery e2e password';
let server: PreviewServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

declare global {
  interface Window {
    __printed: number;
  }
}

beforeAll(async () => {
  server = await startApp(inject('rendererDir'));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  await context.addInitScript(() => {
    window.__printed = 0;
    window.print = () => {
      window.__printed++;
    };
  });
  page = await openApp(context, server);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const clipboardText = () => page.evaluate(() => navigator.clipboard.readText());

describe('the recovery code', () => {
  it('is shown once with Copy and Print, and Continue waits for "I stored it"', async () => {
    await page.fill('[data-testid=create-password]', PASSWORD);
    await page.fill('[data-testid=create-confirm]', PASSWORD);
    await page.click('[data-testid=create-submit]');
    const code = (await page.textContent('[data-testid=recovery-code]', { timeout: 30_000 }))!.trim();
    expect(code.length).toBeGreaterThanOrEqual(16);

    await page.click('[data-testid=recovery-copy]');
    await expect.poll(clipboardText).toBe(code);
    await page.click('[data-testid=recovery-print]');
    expect(await page.evaluate(() => window.__printed)).toBe(1);

    expect(await page.isDisabled('[data-testid=recovery-continue]')).toBe(true);
    expect(await page.textContent('label:has([data-testid=recovery-saved])')).toContain('I stored it');
    await page.check('[data-testid=recovery-saved]');
    await page.click('[data-testid=recovery-continue]');
    await page.waitForSelector('.shell');
    expect(await page.locator('[data-testid=recovery-code]').count()).toBe(0);
  });

  it('is replaced only after a warning that the current code stops working', async () => {
    await page.click('[data-testid=nav-settings]');
    const before = await pageCall<{ slots: { id: string; kind: string }[] }>(page, 'ui', 'slots.list', {});
    const oldSlot = before.slots.find((s) => s.kind === 'recovery_code')!.id;
    await page.click('[data-testid=recovery-regenerate]');
    const confirm = page.locator('[data-testid=recovery-regenerate-confirm]');
    expect(await confirm.textContent()).toContain('stops working at once');
    // Backing out changes nothing.
    await confirm.locator('button:has-text("Keep the current one")').click();
    expect((await pageCall<{ slots: { id: string }[] }>(page, 'ui', 'slots.list', {})).slots.map((s) => s.id)).toContain(oldSlot);

    await page.click('[data-testid=recovery-regenerate]');
    await page.click('[data-testid=recovery-regenerate-confirmed]');
    const fresh = (await page.textContent('[data-testid=recovery-code]', { timeout: 30_000 }))!.trim();
    expect(fresh.length).toBeGreaterThanOrEqual(16);
    await page.check('[data-testid=recovery-saved]');
    await page.click('[data-testid=recovery-continue]');
    const after = (await pageCall<{ slots: { id: string; kind: string }[] }>(page, 'ui', 'slots.list', {})).slots;
    expect(after.map((s) => s.id)).not.toContain(oldSlot);
    expect(after.filter((s) => s.kind === 'recovery_code')).toHaveLength(1);
  });

  it('is removed only after a warning that says what it costs', async () => {
    await page.click('[data-testid=nav-keys]');
    const row = page.locator('[data-testid=slots] li', { hasText: 'Recovery code' });
    await row.locator('button:has-text("Remove")').click();
    const warning = row.locator('[data-testid=slot-remove-warning]');
    expect(await warning.textContent()).toMatch(/nothing opens this vault if you forget the password/);
    await row.locator('button:has-text("Keep")').click();
    expect((await pageCall<{ slots: { kind: string }[] }>(page, 'ui', 'slots.list', {})).slots.map((s) => s.kind)).toContain('recovery_code');
    await row.locator('button:has-text("Remove")').click();
    await row.locator('button:has-text("Remove for good")').click();
    await expect.poll(async () => (await pageCall<{ slots: { kind: string }[] }>(page, 'ui', 'slots.list', {})).slots.map((s) => s.kind)).not.toContain('recovery_code');
  });
});
