/**
 * Sign-in enrolment in the real app: Settings → Organisation server → "Sign in with my
 * organisation account" runs the OIDC sign-in against a REAL OpenID provider on
 * 127.0.0.1 (main opens the page; a scripted browser signs in), the REAL org server
 * binds the device to the person SCIM provisioned, and the engine worker syncs. Then
 * the IdP deactivates the person over SCIM and the next sync pass is refused: Settings
 * shows the organisation's words, not a code.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import { createOrg } from '../../src/server/admin/admin';
import type { RunningServer } from '../../src/server/server';
import { ACCESS_DISABLED_MESSAGE } from '../../src/shared/contracts/identity';
import { openTestDatabase, startTestServer } from '../unit/server/helpers';
import { browserFor, startTestIdp, type TestIdp } from '../identity/test-idp';
import { PATCH_SCHEMA, USER_SCHEMA, configureOidc, scimClient, scimTokenFor } from '../identity/helpers';
import { launchChromium, openApp, startApp } from './harness/browser';
import { mainWithGateway, type MainWithGateway } from './harness/main-with-gateway';
import { pageCall } from './harness/page-engine';

const PASSWORD = 'oidc e2e password';

let org: RunningServer;
let idp: TestIdp;
let orgId: string;
let scim: ReturnType<typeof scimClient>;
let aliceId: string;
let main: MainWithGateway;
let app: PreviewServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  org = await startTestServer((await openTestDatabase('pglite')).db);
  idp = await startTestIdp({ clients: ['latchkey'], accounts: { alice: { email: 'alice@acme.test' } } });
  orgId = (await createOrg(org.db, 'acme')).orgId;
  await configureOidc(org.db, orgId, { issuer: idp.issuer, clientId: 'latchkey', allowedDomains: ['acme.test'], allowedGroups: [] });
  scim = scimClient(org.url, await scimTokenFor(org.db, orgId));
  aliceId = (await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'alice@acme.test', displayName: 'Alice' })).json.id as string;
  main = await mainWithGateway({ openBrowser: browserFor('alice') });
  app = await startApp(inject('rendererDir'), main.services);
  browser = await launchChromium();
  page = await openApp(await browser.newContext({ viewport: { width: 1100, height: 760 } }), app);
  await pageCall(page, 'ui', 'vault.create', { password: PASSWORD });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await main?.close();
  await idp?.close();
  await org?.close();
});

const lastSync = async () => {
  const s = await main.device.status();
  return s.enrolled ? s.lastSync : undefined;
};

describe('Settings → sign in with the organisation, then SCIM turns access off', () => {
  it('enrols by signing in, as the person SCIM provisioned', async () => {
    await page.click('[data-testid=nav-settings]');
    await page.fill('[data-testid=org-server-url]', org.url);
    await page.check('[data-testid=org-how-signin]');
    await page.fill('[data-testid=org-id]', orgId);
    await page.fill('[data-testid=org-device-name]', 'e2e laptop');
    await page.click('[data-testid=org-enrol]');
    await page.waitForSelector('[data-testid=org-enrolled-server]', { timeout: 30_000 });
    const status = await main.device.status();
    expect(status).toMatchObject({ enrolled: true, orgId, userId: aliceId });
  });

  it('the worker syncs; after SCIM deactivation its next pass is refused and Settings says why', async () => {
    await page.reload();
    await page.waitForSelector('[data-testid=unlock-password]', { timeout: 30_000 });
    await pageCall(page, 'ui', 'vault.unlockWithPassword', { password: PASSWORD });
    const note = (title: string) =>
      pageCall(page, 'ui', 'item.create', {
        item: { overview: { kind: 'secure_note', title, urls: [], tags: [] }, details: { kind: 'secure_note', text: 'x', customFields: [] } },
      });
    await note('before');
    await expect.poll(async () => (await lastSync())?.ok, { timeout: 30_000, interval: 500 }).toBe(true);

    const off = await scim('PATCH', `/Users/${aliceId}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(off.json.active).toBe(false);
    await note('after');
    await expect.poll(async () => (await lastSync())?.error?.code, { timeout: 30_000, interval: 500 }).toBe('access_disabled');
    await page.click('[data-testid=nav-settings]');
    await expect.poll(async () => page.textContent('[data-testid=org-last-sync]'), { timeout: 15_000, interval: 250 }).toContain(ACCESS_DISABLED_MESSAGE);
  });
});
