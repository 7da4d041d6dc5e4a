/**
 * The whole enrolled path in the real app: the Settings page enrols this device with a
 * REAL org server (PGlite, HTTP on 127.0.0.1) through main (key generated and kept in
 * main's keychain); after a reload the engine worker builds its synced engine, and an
 * item created in the page reaches the server as ciphertext while the engine's signed
 * audit records upload — the worker signing and fetching only through main. "Sync now"
 * runs a pass at once and the status line shows the last success and, once the server
 * is gone, the reason of the last failure in plain words.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { itemSyncId } from '../../src/core/vault-sync';
import { issueEnrolCode } from '../../src/server/admin/admin';
import { exportRecords } from '../../src/server/audit/store';
import type { RunningServer } from '../../src/server/server';
import { newTenant, openTestDatabase, startTestServer } from '../unit/server/helpers';
import { launchChromium, openApp, startApp } from './harness/browser';
import { mainWithGateway, type MainWithGateway } from './harness/main-with-gateway';
import { pageCall } from './harness/page-engine';

const PASSWORD = 'org sync e2e password';
const SECRET = 'sk_e2e_sync_51ab';

let org: RunningServer;
let tenant: { orgId: string; userId: string };
let main: MainWithGateway;
let app: PreviewServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  org = await startTestServer((await openTestDatabase('pglite')).db);
  tenant = await newTenant(org.db);
  mkdirSync(join(tmpdir(), 'latchkey-e2e-screens'), { recursive: true });
  main = await mainWithGateway();
  app = await startApp(inject('rendererDir'), main.services);
  browser = await launchChromium();
  page = await openApp(await browser.newContext({ viewport: { width: 1100, height: 760 } }), app);
  await pageCall(page, 'ui', 'vault.create', { password: PASSWORD });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await main?.close();
  if (!orgClosed) await org?.close();
});

let orgClosed = false;

async function serverRows(table: 'sync_records'): Promise<string[]> {
  const rows = await org.db.asOwner((sql) => sql.query<{ ciphertext: string }>(`SELECT ciphertext FROM ${table} WHERE org_id = $1`, [tenant.orgId]));
  return rows.map((r) => r.ciphertext);
}

describe('Settings → Organisation server, then sync through main', () => {
  it('enrols the device from the Settings page; the key stays in main', async () => {
    const { code } = await issueEnrolCode(org.db, tenant.orgId, tenant.userId);
    await page.click('[data-testid=nav-settings]');
    await page.fill('[data-testid=org-server-url]', org.url);
    await page.fill('[data-testid=org-code]', code);
    await page.fill('[data-testid=org-device-name]', 'e2e laptop');
    await page.click('[data-testid=org-enrol]');
    await page.waitForSelector('[data-testid=org-enrolled-server]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=org-enrolled-server]')).toBe(org.url);
    const status = await main.device.status();
    expect(status.enrolled).toBe(true);
  });

  it('after a reload the worker syncs: items reach the server as ciphertext and audit records upload', async () => {
    await page.reload();
    await page.waitForSelector('[data-testid=unlock-password]', { timeout: 30_000 });
    await pageCall(page, 'ui', 'vault.unlockWithPassword', { password: PASSWORD });
    await pageCall(page, 'ui', 'item.create', {
      item: {
        overview: { kind: 'api_credential', title: 'Synced API', urls: [], tags: [], description: '', injection: { type: 'bearer' }, allowedOrigins: ['https://api.sync.example'] },
        details: { kind: 'api_credential', secret: SECRET, customFields: [] },
      },
    });
    // Debounced 2 s after the change; the unlock also started a pass.
    await expect.poll(async () => (await serverRows('sync_records')).length, { timeout: 30_000, interval: 500 }).toBeGreaterThan(0);
    const status = await main.device.status();
    if (!status.enrolled) throw new Error('expected enrolled');
    await expect
      .poll(async () => (await org.db.asTenant(tenant.orgId, (sql) => exportRecords(sql, tenant.orgId))).filter((r) => r.device === status.deviceId).length, {
        timeout: 30_000,
        interval: 500,
      })
      .toBeGreaterThan(0);
    // The chain the worker signed before enrolment (personal mode) is on the server from its first record.
    const first = (await org.db.asTenant(tenant.orgId, (sql) => exportRecords(sql, tenant.orgId))).find((r) => r.device === status.deviceId && r.seq === 1);
    expect(first).toMatchObject({ action: 'vault.create', actor: { type: 'person' } });
    for (const c of await serverRows('sync_records')) expect(Buffer.from(c, 'base64url').toString('utf8')).not.toContain(SECRET);
    await expect
      .poll(
        async () => {
          const s = await main.device.status();
          return s.enrolled ? s.lastSync?.ok : undefined;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);
  });

  it('Sync now runs a pass at once and the status line shows the last success, then the reason of a failure', async () => {
    await page.click('[data-testid=nav-settings]');
    await page.waitForSelector('[data-testid=org-sync-now]');
    await expect.poll(() => page.textContent('[data-testid=org-last-sync]'), { timeout: 30_000 }).toContain('Last synced');
    const made = await pageCall<{ item: { id: string } }>(page, 'ui', 'item.create', {
      item: { overview: { kind: 'secure_note', title: 'Synced now', urls: [], tags: [] }, details: { kind: 'secure_note', text: 'note', customFields: [] } },
    });
    await page.click('[data-testid=org-sync-now]');
    await page.waitForSelector('[data-testid=org-sync-now]:has-text("Sync now"):not([disabled])', { timeout: 30_000 });
    // The pass the button ran has pushed the new item (the debounced one would start 2 s later).
    const ids = await org.db.asOwner((sql) => sql.query<{ record_id: string }>('SELECT record_id FROM sync_records WHERE org_id = $1', [tenant.orgId]));
    expect(ids.map((r) => r.record_id)).toContain(itemSyncId(made.item.id));
    expect(await page.textContent('[data-testid=org-last-success]')).toMatch(/^Last synced .+\.$/);
    expect(await page.locator('[data-testid=org-last-failure]').count()).toBe(0);

    await org.close();
    orgClosed = true;
    await page.click('[data-testid=org-sync-now]');
    const failure = page.locator('[data-testid=org-last-failure]');
    await failure.waitFor({ timeout: 30_000 });
    const text = (await failure.textContent()) ?? '';
    expect(text).toContain('could not be reached');
    expect(text).toContain('tries again every minute');
    // The last success is still shown beside the failure.
    expect(await page.textContent('[data-testid=org-last-success]')).toMatch(/^Last synced /);
    await page.screenshot({ path: join(tmpdir(), 'latchkey-e2e-screens', 'org-sync-failed.png') });
  });
});
