/**
 * The whole person-facing path in real Chromium, through the UI only: create a vault,
 * keep the recovery code, add three items, lock, reload the page, unlock, find an
 * item by search and reveal its secret. Along the way: no secret is in the page
 * until revealed, a wrong password shows the typed error, and the CSP holds (no
 * console errors or violations while the real engine worker, argon2 WASM and
 * IndexedDB run).
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { launchChromium, openApp, startApp } from './harness/browser';
import { pageCall } from './harness/page-engine';

const PASSWORD = 'e2e vault password 1';
const API_SECRET = 'sk_live_e2e_4f9a2c7d1b';
const LOGIN_SECRET = 'hunter2-but-longer!';
const SCREENS = join(tmpdir(), 'latchkey-e2e-screens');

let server: PreviewServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENS, `${name}.png`) });
}

async function addItem(kind: string, fill: () => Promise<void>): Promise<void> {
  await page.selectOption('[data-testid=new-kind]', kind);
  await page.click('[data-testid=new-item]');
  await fill();
  await page.click('[data-testid=edit-save]');
  await page.waitForSelector('[data-testid=item-detail]');
}

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  server = await startApp(inject('rendererDir'));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  page = await openApp(context, server, problems);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('vault UI end to end in Chromium', () => {
  it('creates a vault and shows the recovery code once, behind an "I saved it" confirmation', async () => {
    await page.waitForSelector('[data-testid=create-password]');
    await shot('01-create');
    await page.fill('[data-testid=create-password]', PASSWORD);
    await page.fill('[data-testid=create-confirm]', PASSWORD);
    await page.click('[data-testid=create-submit]');
    const code = await page.textContent('[data-testid=recovery-code]', { timeout: 30_000 });
    expect(code).toMatch(/^[0-9A-Z]{4,}(-[0-9A-Z]{4,})+$/);
    await shot('02-recovery-code');
    expect(await page.isDisabled('[data-testid=recovery-continue]')).toBe(true);
    await page.check('[data-testid=recovery-saved]');
    await page.click('[data-testid=recovery-continue]');
    await page.waitForSelector('[data-testid=search]');
    expect(await page.locator('[data-testid=recovery-code]').count()).toBe(0);
  });

  it('adds a login, an API credential and a secure note through the editor', async () => {
    await addItem('login', async () => {
      await page.fill('[data-testid=edit-title]', 'GitHub');
      await page.fill('[data-testid=edit-username]', 'octo@example.com');
      await page.fill('[data-testid=edit-password]', LOGIN_SECRET);
      await page.fill('[data-testid=edit-totp]', 'JBSWY3DPEHPK3PXP');
    });
    await addItem('api_credential', async () => {
      await page.fill('[data-testid=edit-title]', 'Stripe API');
      await page.fill('[data-testid=edit-secret]', API_SECRET);
      await page.fill('[data-testid=edit-description]', 'Payments API for the billing agent');
      await page.fill('[data-testid=edit-origins]', 'https://api.stripe.com');
    });
    await addItem('secure_note', async () => {
      await page.fill('[data-testid=edit-title]', 'Wi-Fi at home');
      await page.fill('[data-testid=edit-text]', 'network: lk-home');
      await shot('03-editor-note');
    });
    await expect.poll(() => page.locator('[data-testid=item-row]').count()).toBe(3);
    // Nothing secret is in the page although the items were just typed and saved.
    const html = await page.content();
    expect(html).not.toContain(API_SECRET);
    expect(html).not.toContain(LOGIN_SECRET);
    await page.locator('[data-testid=item-row]', { hasText: 'GitHub' }).click();
    await page.waitForSelector('[data-testid=detail-title]:has-text("GitHub")');
    await page.click('button:has-text("Show code")');
    await expect.poll(async () => (await page.textContent('[data-testid=totp-code]')) ?? '').toMatch(/^\d{3} \d{3}$/);
    // Every field has "Copy reference": username, password and one-time code, each naming its own field.
    const refs = page.locator('[data-testid=copy-reference]');
    await expect.poll(() => refs.count()).toBe(3);
    const written = await refs.evaluateAll((els) => els.map((e) => e.getAttribute('data-reference')));
    expect(written.map((r) => r?.replace(/^latchkey:\/\/[A-Za-z0-9_-]{22}\//, ''))).toEqual(['GitHub/username', 'GitHub/password', 'GitHub/totp']);
    await shot('04-items-login-detail');
  });

  it('locks, and after a page reload the vault is still there, locked', async () => {
    await page.click('[data-testid=lock]');
    await page.waitForSelector('[data-testid=unlock-password]');
    await page.reload();
    await page.waitForSelector('[data-testid=unlock-password]', { timeout: 30_000 });
    await page.fill('[data-testid=unlock-password]', 'not the password');
    await page.click('[data-testid=unlock-submit]');
    await expect.poll(() => page.textContent('[data-testid=error]'), { timeout: 30_000 }).toBe('Wrong password.');
    await shot('05-unlock-wrong-password');
  });

  it('unlocks, finds the API credential by search and reveals its secret', async () => {
    await page.fill('[data-testid=unlock-password]', PASSWORD);
    await page.click('[data-testid=unlock-submit]');
    await page.waitForSelector('[data-testid=search]', { timeout: 30_000 });
    await expect.poll(() => page.locator('[data-testid=item-row]').count()).toBe(3);
    await page.fill('[data-testid=search]', 'strip');
    await expect.poll(() => page.locator('[data-testid=item-row]').count()).toBe(1);
    await page.locator('[data-testid=item-row]').first().click();
    await page.waitForSelector('[data-testid=detail-title]:has-text("Stripe API")');
    expect(await page.content()).not.toContain(API_SECRET);
    await page.click('[data-field=secret] button:has-text("Reveal")');
    await expect.poll(() => page.textContent('[data-testid=secret-value]')).toBe(API_SECRET);
    await shot('06-api-credential-revealed');
    await page.click('[data-field=secret] button:has-text("Hide")');
    expect(await page.content()).not.toContain(API_SECRET);
    // "Copy reference" names the field without its value: vault id / title / field.
    await page.click('[data-field=secret] [data-testid=copy-reference]');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toMatch(/^latchkey:\/\/[A-Za-z0-9_-]{22}\/Stripe%20API\/secret$/);
  });

  it('edits an item without touching its stored secret, copies it with a countdown, deletes another', async () => {
    await page.click('[data-testid=detail-edit]');
    await page.fill('[data-testid=edit-title]', 'Stripe API (live)');
    await shot('07-editor-api-credential');
    await page.click('[data-testid=edit-save]');
    await page.waitForSelector('[data-testid=detail-title]:has-text("Stripe API (live)")');
    await page.click('[data-field=secret] button:has-text("Copy")');
    await expect.poll(() => page.textContent('[data-testid=clipboard-countdown]')).toMatch(/^Secret copied — clipboard clears in (30|29|28) s$/);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(API_SECRET);
    await shot('08-copied-countdown');
    // Locking clears the clipboard at once (it still holds our value).
    await page.click('[data-testid=lock]');
    await page.waitForSelector('[data-testid=unlock-password]');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('');
    await page.fill('[data-testid=unlock-password]', PASSWORD);
    await page.click('[data-testid=unlock-submit]');
    await page.fill('[data-testid=search]', 'wi-fi', { timeout: 30_000 });
    await page.locator('[data-testid=item-row]').first().click();
    await page.click('[data-testid=detail-delete]');
    await page.click('[data-testid=detail-delete-confirm]');
    await page.fill('[data-testid=search]', '');
    await expect.poll(() => page.locator('[data-testid=item-row]').count()).toBe(2);
  });

  it('keyboard: / searches, P copies the selected password, ? lists the shortcuts, L locks; plain fields copy too', async () => {
    await page.click('[data-testid=item-list]');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('search');
    // Typed into the search box, letters are text, not shortcuts.
    await page.keyboard.type('gitl');
    expect(await page.inputValue('[data-testid=search]')).toBe('gitl');
    await page.fill('[data-testid=search]', 'github');
    await page.locator('[data-testid=item-row]', { hasText: 'GitHub' }).click();
    await page.waitForSelector('[data-testid=detail-title]:has-text("GitHub")');
    await page.keyboard.press('p');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(LOGIN_SECRET);
    await page.keyboard.press('u');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('octo@example.com');
    await page.evaluate(() => navigator.clipboard.writeText(''));
    await page.click('[data-plain=Username] button:has-text("Copy")');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('octo@example.com');
    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid=shortcut-help]');
    expect(await page.textContent('[data-testid=shortcut-help]')).toContain('Lock Latchkey');
    await shot('09-shortcuts');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid=shortcut-help]').count()).toBe(0);
    await page.keyboard.press('l');
    await page.waitForSelector('[data-testid=unlock-password]');
    await page.fill('[data-testid=unlock-password]', PASSWORD);
    await page.click('[data-testid=unlock-submit]');
    await page.waitForSelector('[data-testid=search]', { timeout: 30_000 });
  });

  it('stores the auto-lock choice made on the Settings page and lists the ways to unlock', async () => {
    await page.click('[data-testid=nav-settings]');
    await page.selectOption('[data-testid=autolock]', '5');
    await expect.poll(() => pageCall<{ autoLockMinutes: number }>(page, 'ui', 'settings.get', {}).then((s) => s.autoLockMinutes)).toBe(5);
    await shot('13-settings');
    await page.click('[data-testid=nav-keys]');
    await expect.poll(() => page.locator('[data-testid=slots] li').count()).toBe(2);
    const slots = (await page.textContent('[data-testid=slots]')) ?? '';
    expect(slots).toContain('Password');
    expect(slots).toContain('Recovery code');
    await shot('14-security-keys');
  });

  it('ran without console errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
