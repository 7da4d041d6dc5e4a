/**
 * Security keys from the UI, end to end: the real engine worker, main's real FIDO2
 * service (CTAP2 over CTAPHID) and a software authenticator with a PIN standing in
 * for the USB key. The person creates a vault and is offered the plugged-in key as
 * the first way in (its PIN is asked in the app's PIN dialog); on the Security keys
 * page they remove it, add it again and rename it; then they lock and open the vault
 * with the key.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FidoService } from '../../src/main/fido/service';
import type { PreviewServer } from '../../src/preview/server';
import { random } from '../fido/random';
import { softDiscovery, softKey } from '../fido/soft-transport';
import { launchChromium, openApp, startApp } from './harness/browser';
import { mainWithGateway, type MainWithGateway } from './harness/main-with-gateway';
import { pageCall } from './harness/page-engine';

const PIN = '2468';
const SCREENS = join(tmpdir(), 'latchkey-e2e-screens');

let fido: FidoService;
let main: MainWithGateway;
let server: PreviewServer;
let browser: Browser;
let page: Page;

async function answerPin(): Promise<void> {
  const dialog = page.locator('form[aria-label="Security key PIN"]');
  await dialog.waitFor();
  await dialog.locator('input[type=password]').fill(PIN);
  await dialog.locator('button[type=submit]').click();
}

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  main = await mainWithGateway({ fidoDiscovery: softDiscovery([softKey('soft-1', { random, keepaliveMs: 5 })]) });
  fido = main.fido;
  await fido.setPin(PIN);
  server = await startApp(inject('rendererDir'), main.services);
  browser = await launchChromium();
  page = await openApp(await browser.newContext({ viewport: { width: 1100, height: 720 } }), server);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await main?.close();
});

describe('security keys in the UI', () => {
  it('offers the plugged-in key right after the vault is created', async () => {
    await page.fill('[data-testid=create-password]', 'security key e2e');
    await page.fill('[data-testid=create-confirm]', 'security key e2e');
    await page.click('[data-testid=create-submit]');
    await page.check('[data-testid=recovery-saved]', { timeout: 30_000 });
    await page.click('[data-testid=recovery-continue]');
    await page.fill('[data-testid=first-key-name]', 'First key');
    await page.screenshot({ path: join(SCREENS, '15-first-key-offer.png') });
    await page.click('[data-testid=first-key-add]');
    await answerPin();
    await page.waitForSelector('[data-testid=search]', { timeout: 30_000 });
    const slots = await pageCall<{ slots: { kind: string; label: string }[] }>(page, 'ui', 'slots.list', {});
    expect(slots.slots.find((s) => s.kind === 'hardware_key')?.label).toBe('First key');
  });

  it('removes the key and adds it again on the Security keys page', async () => {
    await page.click('[data-testid=nav-keys]');
    const row = page.locator('[data-testid=enrolled-key]');
    await expect.poll(() => row.count()).toBe(1);
    await row.locator('button:has-text("Remove")').click();
    await row.locator('button:has-text("Remove for good")').click();
    await expect.poll(() => row.count()).toBe(0);
    await page.fill('[data-testid=enrol-name]', 'Soft key');
    await page.click('[data-testid=enrol-submit]');
    await answerPin();
    await expect.poll(() => page.locator('[data-testid=enrolled-key]').count(), { timeout: 30_000 }).toBe(1);
    const slots = await pageCall<{ slots: { kind: string }[] }>(page, 'ui', 'slots.list', {});
    expect(slots.slots.map((s) => s.kind).sort()).toEqual(['hardware_key', 'password', 'recovery_code']);
  });

  it('renames the key', async () => {
    const row = page.locator('[data-testid=enrolled-key]');
    await row.locator('button:has-text("Rename")').click();
    await row.locator('input[aria-label="Key name"]').fill('Keyring key');
    await row.locator('button:has-text("Save")').click();
    await expect.poll(() => row.textContent()).toContain('Keyring key');
    await page.screenshot({ path: join(SCREENS, '16-security-keys-enrolled.png') });
  });

  it('locks, and the key (with its PIN) opens the vault again', async () => {
    await page.click('[data-testid=lock]');
    await page.click('[data-testid=unlock-key]');
    await answerPin();
    await page.waitForSelector('[data-testid=search]', { timeout: 30_000 });
    expect((await pageCall<{ state: string }>(page, 'ui', 'vault.status', {})).state).toBe('unlocked');
  });
});
