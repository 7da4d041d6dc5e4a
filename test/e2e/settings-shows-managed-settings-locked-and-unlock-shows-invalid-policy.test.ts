/**
 * The UI shows the managed policy main has loaded (issue 6): in Settings, the auto-lock
 * control the policy sets is disabled with "Managed by <org>" and shows the time the
 * engine applies; when the policy file is replaced by a tampered one, the vault locks
 * and the unlock screen says which file and why; a copied secret's countdown uses the
 * managed clipboard time. Real parts: PolicyService on temp
 * files, main composed by createAppMain, the renderer in Chromium with its worker.
 */
import { writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inMemoryPolicySerials, PolicyService } from '../../src/main/policy';
import type { PreviewServer } from '../../src/preview/server';
import { basePolicy, signedText, tempDirs, type TempDirs } from '../unit/policy/helpers';
import { launchChromium, openApp, startApp } from './harness/browser';
import { mainWithGateway, type MainWithGateway } from './harness/main-with-gateway';
import { pageCall } from './harness/page-engine';

const SECRET = 'sk_e2e_managed_4f2a';
const MANAGED = { ...basePolicy, session: { autoLockMinutes: 5 }, clipboard: { clearSeconds: 10 } };

let dirs: TempDirs;
let policy: PolicyService;
let main: MainWithGateway;
let server: PreviewServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  dirs = await tempDirs();
  await writeFile(dirs.osPolicyPath, signedText(MANAGED));
  policy = new PolicyService({ managedDir: dirs.managedDir, osPolicyPath: dirs.osPolicyPath, serials: inMemoryPolicySerials(), watch: false });
  await policy.start();
  main = await mainWithGateway({ policy });
  server = await startApp(inject('rendererDir'), main.services);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  page = await openApp(context, server);
  await pageCall(page, 'ui', 'vault.create', { password: 'managed e2e password' });
  await pageCall(page, 'ui', 'item.create', {
    item: {
      overview: {
        kind: 'api_credential',
        title: 'Weather API',
        urls: [],
        tags: [],
        description: 'Forecasts',
        injection: { type: 'bearer' },
        allowedOrigins: ['https://api.weather.example'],
      },
      details: { kind: 'api_credential', secret: SECRET, customFields: [] },
    },
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await main?.close();
  policy?.close();
  await dirs?.cleanup();
});

describe('managed policy in the UI', () => {
  it('Settings shows the managed auto-lock as locked, "Managed by Acme Corp"', async () => {
    await page.click('[data-testid=nav-settings]');
    const label = page.locator('[data-testid="managed-session.autoLockMinutes"]');
    await expect.poll(() => label.textContent()).toContain('Managed by Acme Corp');
    const select = page.locator('[data-testid=autolock]');
    // The person's default (15 min) is capped at the managed 5 min, which is what the engine applies.
    await expect.poll(() => select.inputValue()).toBe('5');
    expect(await select.isDisabled()).toBe(true);
  });

  it('a copied secret is cleared after the managed 10 s, not the personal 30 s', async () => {
    await page.click('[data-testid=nav-items]');
    await page.locator('[data-testid=item-row]').first().click();
    await page.waitForSelector('[data-testid=detail-title]:has-text("Weather API")');
    await page.click('[data-field=secret] button:has-text("Copy")');
    await expect.poll(() => page.textContent('[data-testid=clipboard-countdown]')).toMatch(/^Secret copied — clipboard clears in (10|9|8) s$/);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(SECRET);
  });

  it('a tampered policy file locks the vault and the unlock screen names the file and why', async () => {
    const tampered = signedText(MANAGED).replace('"autoLockMinutes":5', '"autoLockMinutes":600');
    await writeFile(dirs.osPolicyPath, tampered);
    await policy.reload();
    const notice = page.locator('[data-testid=policy-invalid]');
    await expect.poll(() => notice.count(), { timeout: 15_000 }).toBe(1);
    const text = (await notice.textContent()) ?? '';
    expect(text).toContain(dirs.osPolicyPath);
    expect(await page.locator('[data-testid=unlock-password]').count()).toBe(1);
    // Locking cleared the copied secret (it was still ours).
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('');
    // A good file again: the notice goes away.
    await writeFile(dirs.osPolicyPath, signedText(MANAGED));
    await policy.reload();
    await expect.poll(() => notice.count(), { timeout: 15_000 }).toBe(0);
  });
});
