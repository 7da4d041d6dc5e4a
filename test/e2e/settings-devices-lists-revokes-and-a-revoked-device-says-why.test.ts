/**
 * Settings → Devices in the real app (Chromium, real renderer and engine worker, main's
 * real device service, a REAL org server on PGlite): the panel lists this device and the
 * person's other one, revokes the other (after confirming) — whose next request the
 * server then refuses, naming this device — and when another of the person's devices
 * revokes THIS one, the app's next sync says so in Settings in plain words and sync
 * stops. Un-enrolling with "keep" leaves the vault (sync state gone, personal again);
 * enrolled anew, un-enrolling with "wipe" removes the vault from this browser.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { issueEnrolCode } from '../../src/server/admin/admin';
import type { RunningServer } from '../../src/server/server';
import { enrolTestDevice, newTenant, openTestDatabase, startTestServer, type TestDevice } from '../unit/server/helpers';
import { launchChromium, openApp, startApp } from './harness/browser';
import { mainWithGateway, type MainWithGateway } from './harness/main-with-gateway';
import { pageCall } from './harness/page-engine';
import { DEFAULT_DB_NAME } from '../../src/renderer/engine/worker-protocol';

const PASSWORD = 'devices panel e2e password';

let org: RunningServer;
let tenant: { orgId: string; userId: string };
let main: MainWithGateway;
let app: PreviewServer;
let browser: Browser;
let page: Page;
let appDeviceId: string;
let phone: TestDevice;

beforeAll(async () => {
  org = await startTestServer((await openTestDatabase('pglite')).db);
  tenant = await newTenant(org.db);
  main = await mainWithGateway();
  app = await startApp(inject('rendererDir'), main.services);
  browser = await launchChromium();
  page = await openApp(await browser.newContext({ viewport: { width: 1100, height: 900 } }), app);
  await pageCall(page, 'ui', 'vault.create', { password: PASSWORD });
  const { code } = await issueEnrolCode(org.db, tenant.orgId, tenant.userId);
  const status = await main.device.enrol({ serverUrl: org.url, code, deviceName: 'e2e laptop' });
  if (!status.enrolled) throw new Error('expected an enrolment');
  appDeviceId = status.deviceId;
  phone = await enrolTestDevice(org, tenant.orgId, tenant.userId, { name: 'Old phone' });
  // The worker builds its synced engine at start: reload, unlock.
  await page.reload();
  await page.waitForSelector('[data-testid=unlock-password]', { timeout: 30_000 });
  await pageCall(page, 'ui', 'vault.unlockWithPassword', { password: PASSWORD });
  await page.click('[data-testid=nav-settings]');
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await main?.close();
  await org?.close();
});

async function databaseNames(): Promise<string[]> {
  return await page.evaluate(async () => (await indexedDB.databases()).flatMap((d) => (d.name === undefined ? [] : [d.name])));
}

const row = (name: string) => `[data-testid=device-row][data-name="${name}"]`;

describe('Settings → Devices', () => {
  it("lists this device and the person's other device, with how each enrolled", async () => {
    await page.waitForSelector(row('Old phone'), { timeout: 30_000 });
    expect(await page.locator('[data-testid=device-row]').count()).toBe(2);
    expect(await page.textContent(row('e2e laptop'))).toContain('This device');
    expect(await page.textContent(row('Old phone'))).toContain('with a one-time code');
  });

  it('revokes the other device after a confirmation; its next request is refused, naming this device', async () => {
    await page.click(`${row('Old phone')} [data-testid=device-revoke]`);
    await page.click(`${row('Old phone')} [data-testid=device-revoke-confirm]`);
    await page.waitForSelector(`${row('Old phone')}[data-revoked=yes]`, { timeout: 30_000 });
    expect(await page.textContent(row('Old phone'))).toContain('Removed by you');
    const refused = await phone.api.pull(0, 1).then(
      () => null,
      (e: unknown) => e as { code: string; details?: Record<string, unknown> },
    );
    expect(refused?.code).toBe('device_revoked');
    expect(refused?.details).toMatchObject({ revokedBy: 'person', byDeviceId: appDeviceId, byDeviceName: 'e2e laptop' });
  });

  it("when another device revokes this one, the app's next sync says who did it, in Settings, and stops", async () => {
    const tablet = await enrolTestDevice(org, tenant.orgId, tenant.userId, { name: 'Tablet' });
    await tablet.api.revokeMyDevice(appDeviceId);
    // An item change starts a pass (2 s debounce); Settings refreshes the status every 10 s.
    await pageCall(page, 'ui', 'item.create', {
      item: {
        overview: {
          kind: 'api_credential',
          title: 'After revocation',
          urls: [],
          tags: [],
          description: '',
          injection: { type: 'bearer' },
          allowedOrigins: ['https://api.example'],
        },
        details: { kind: 'api_credential', secret: 'sk_after_revocation', customFields: [] },
      },
    });
    await page.waitForSelector('[data-testid=org-last-sync][data-revoked=yes]', { timeout: 60_000 });
    const text = await page.textContent('[data-testid=org-last-sync]');
    expect(text).toContain('You removed this device from your device "Tablet"');
    expect(text).toContain('no longer syncs');
    // Plain words only: no error code or field name.
    expect(text).not.toMatch(/device_revoked|revokedBy|byDevice/);
  });

  it('un-enrolling with "keep": the sync state goes, the vault stays and unlocks, and the device is personal again', async () => {
    await page.click('[data-testid=unenrol-keep]');
    await page.click('[data-testid=unenrol]');
    await page.click('[data-testid=unenrol-confirm]');
    // The page reloads onto the kept vault.
    await page.waitForSelector('[data-testid=unlock-password]', { timeout: 60_000 });
    const names = await databaseNames();
    expect(names).toContain(DEFAULT_DB_NAME);
    expect(names).not.toContain(`${DEFAULT_DB_NAME}-sync`);
    expect(names).not.toContain(`${DEFAULT_DB_NAME}-inbox`);
    await pageCall(page, 'ui', 'vault.unlockWithPassword', { password: PASSWORD });
    const items = await pageCall<{ items: { overview: { title: string } }[] }>(page, 'ui', 'items.list', {});
    expect(items.items.map((i) => i.overview.title)).toContain('After revocation');
    const status = await main.device.status();
    expect(status.enrolled).toBe(false);
    expect(status.deviceId).not.toBe(appDeviceId);
    await page.click('[data-testid=nav-settings]');
    await page.waitForSelector('[data-testid=org-enrol]');
  });

  it('un-enrolling with "wipe" deletes the vault and its databases from this browser', async () => {
    // Enrolled again (new key, new code), then wiped from Settings.
    const { code } = await issueEnrolCode(org.db, tenant.orgId, tenant.userId);
    await main.device.enrol({ serverUrl: org.url, code, deviceName: 'e2e laptop again' });
    await page.reload();
    await page.waitForSelector('[data-testid=unlock-password]', { timeout: 30_000 });
    await pageCall(page, 'ui', 'vault.unlockWithPassword', { password: PASSWORD });
    await page.click('[data-testid=nav-settings]');
    await page.waitForSelector(row('e2e laptop again'), { timeout: 30_000 });
    await page.click('[data-testid=unenrol-wipe]');
    await page.click('[data-testid=unenrol]');
    await page.click('[data-testid=unenrol-confirm]');
    // The page reloads with no vault on this device.
    await page.waitForSelector('[data-testid=create-password]', { timeout: 60_000 });
    expect((await main.device.status()).enrolled).toBe(false);
    const left = (await databaseNames()).filter((n) => n === DEFAULT_DB_NAME || n.startsWith(`${DEFAULT_DB_NAME}-`));
    // The engine that started after the reload may have opened an empty vault database; nothing else of the old vault is left.
    expect(left.filter((n) => n !== DEFAULT_DB_NAME && !n.startsWith(`${DEFAULT_DB_NAME}-audit`))).toEqual([]);
  });
});
