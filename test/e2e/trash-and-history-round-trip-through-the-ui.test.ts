/**
 * The trash and item history in real Chromium (the real renderer, engine worker and
 * IndexedDB), through the UI only: delete an item → it is in the Trash with its
 * deletion date and 30 days left, not in the list or search → Restore brings it back
 * with its secret; edit the password → the History section lists the earlier value
 * hidden → Reveal shows it → Restore makes it current again; Delete forever and
 * Empty trash ask first. Screenshots (light and dark) are saved as artefacts.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { launchChromium, openApp, startApp } from './harness/browser';
import { pageCall } from './harness/page-engine';

const PASSWORD = 'trash e2e password 1';
const FIRST = 'first-password-1A!';
const SECOND = 'second-password-2B!';
const SCREENS = join(tmpdir(), 'latchkey-e2e-screens');

let server: PreviewServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

/** 1280×800 and 760×800, light and dark. */
async function shot(name: string): Promise<void> {
  for (const width of [1280, 760]) {
    await page.setViewportSize({ width, height: 800 });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: join(SCREENS, `${name}-${width}-${scheme}.png`) });
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
}

const rows = () => page.locator('[data-testid=item-row]');

async function openItem(title: string): Promise<void> {
  await page.click('[data-testid=nav-items]');
  await page.locator('[data-testid=item-row]', { hasText: title }).click();
  await page.waitForSelector(`[data-testid=detail-title]:has-text("${title}")`);
}

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  server = await startApp(inject('rendererDir'));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await openApp(context, server, problems);
  await pageCall(page, 'ui', 'vault.create', { password: PASSWORD });
  await page.reload();
  await page.waitForSelector('[data-testid=unlock-password]', { timeout: 30_000 });
  await page.fill('[data-testid=unlock-password]', PASSWORD);
  await page.click('[data-testid=unlock-submit]');
  await page.waitForSelector('[data-testid=search]', { timeout: 30_000 });
  for (const title of ['Bank', 'Mail', 'Forum']) {
    await pageCall(page, 'ui', 'item.create', {
      item: {
        overview: { kind: 'login', title, username: `${title.toLowerCase()}@example.com`, urls: [], tags: ['personal'] },
        details: { kind: 'login', password: FIRST, customFields: [] },
      },
    });
  }
  await page.locator('[data-testid=item-row]', { hasText: 'Forum' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('trash and history in the UI', () => {
  it('delete → trash (date, days left) → restore brings the item back whole', async () => {
    await openItem('Bank');
    await page.click('[data-testid=detail-delete]');
    expect(await page.textContent('[data-testid=detail-delete-note]')).toContain('30 days');
    await page.click('[data-testid=detail-delete-confirm]');
    await expect.poll(() => rows().count()).toBe(2);
    await page.fill('[data-testid=search]', 'bank');
    await expect.poll(() => rows().count()).toBe(0);
    await page.fill('[data-testid=search]', '');

    await page.click('[data-testid=nav-trash]');
    await page.waitForSelector('[data-testid=trash-row]');
    const row = page.locator('[data-testid=trash-row]', { hasText: 'Bank' });
    expect(await row.locator('[data-testid=trash-days-left]').textContent()).toBe('30 days');
    expect(await row.textContent()).toContain(new Date().getFullYear().toString());
    await shot('trash-01-list');
    // Keyboard: Tab to Restore and press Enter.
    await row.locator('[data-testid=trash-restore]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid=trash-row]').count()).toBe(0);
    expect(await page.textContent('[data-testid=trash]')).toContain('The trash is empty.');

    await openItem('Bank');
    expect(await page.textContent('[data-testid=item-detail]')).toContain('bank@example.com');
    expect(await page.textContent('[data-testid=item-detail]')).toContain('personal');
    await page.click('[data-field=password] button:has-text("Reveal")');
    expect(await page.textContent('[data-field=password] [data-testid=secret-value]')).toBe(FIRST);
  });

  it('edit → history shows the earlier password hidden → reveal → restore makes it current', async () => {
    await openItem('Mail');
    await page.click('[data-testid=detail-edit]');
    await page.locator('.label-like', { hasText: 'Password' }).locator('button:has-text("Replace")').click();
    await page.fill('[data-testid=edit-password]', SECOND);
    await page.click('[data-testid=edit-save]');
    await page.waitForSelector('[data-testid=item-history]');
    const history = page.locator('[data-testid=item-history]');
    expect(await history.locator('[data-testid=history-version]').count()).toBe(1);
    // Nothing of the earlier value is in the page until it is revealed.
    expect(await page.content()).not.toContain(FIRST);
    await history.locator('button:has-text("Reveal")').click();
    expect(await history.locator('[data-testid=history-value]').textContent()).toBe(FIRST);
    await shot('trash-02-history');
    await history.locator('button:has-text("Hide")').click();
    expect(await page.content()).not.toContain(FIRST);

    await history.locator('[data-testid=history-restore]').click();
    await expect.poll(() => page.locator('[data-testid=history-version]').count()).toBe(2);
    await page.click('[data-field=password] button:has-text("Reveal")');
    await expect.poll(() => page.textContent('[data-field=password] [data-testid=secret-value]')).toBe(FIRST);
    // The password it replaced is now the newest earlier value.
    await page.locator('[data-testid=history-version]').first().locator('button:has-text("Reveal")').click();
    expect(await page.locator('[data-testid=history-version]').first().locator('[data-testid=history-value]').textContent()).toBe(SECOND);
  });

  it('delete forever and empty trash ask first', async () => {
    for (const title of ['Mail', 'Forum']) {
      await openItem(title);
      await page.click('[data-testid=detail-delete]');
      await page.click('[data-testid=detail-delete-confirm]');
    }
    await page.click('[data-testid=nav-trash]');
    await expect.poll(() => page.locator('[data-testid=trash-row]').count()).toBe(2);
    const mail = page.locator('[data-testid=trash-row]', { hasText: 'Mail' });
    await mail.locator('[data-testid=trash-delete]').click();
    await mail.locator('[data-testid=trash-delete-confirm]').click();
    await expect.poll(() => page.locator('[data-testid=trash-row]').count()).toBe(1);
    await page.click('[data-testid=trash-empty]');
    await shot('trash-03-empty-confirm');
    await page.click('[data-testid=trash-empty-confirm]');
    await expect.poll(() => page.locator('[data-testid=trash-row]').count()).toBe(0);
    const left = await pageCall<{ items: unknown[] }>(page, 'ui', 'items.list', {});
    expect(left.items).toHaveLength(1);
  });

  it('ran without console errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
