/**
 * The reported bug, end to end (issue 14 §3): under a signed policy that approves one
 * model and pins its maker's root, a software key that claims that model's AAGUID but
 * attests "none" is refused on the Security keys page with words a person can act on,
 * and no slot is written; once the same key presents an attestation certificate from
 * the pinned maker it enrols. Real parts: PolicyService on a signed file, the app's
 * composition, main's CTAP2 service, the engine worker and the renderer in Chromium.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { aaguidText } from '../../src/main/fido/ctap2';
import { inMemoryPolicySerials, PolicyService } from '../../src/main/policy';
import type { PreviewServer } from '../../src/preview/server';
import { issueAttestationCert, makeTestCa, packed } from '../fido/attestation-ca';
import { random } from '../fido/random';
import { softDiscovery, softKey, type SoftKey } from '../fido/soft-transport';
import { basePolicy, signedText, tempDirs, type TempDirs } from '../unit/policy/helpers';
import { launchChromium, openApp, startApp } from './harness/browser';
import { mainWithGateway, type MainWithGateway } from './harness/main-with-gateway';
import { pageCall } from './harness/page-engine';

const MODEL = new Uint8Array(randomBytes(16));

let dirs: TempDirs;
let policy: PolicyService;
let main: MainWithGateway;
let server: PreviewServer;
let browser: Browser;
let page: Page;
let key: SoftKey;
let pinnedRoot: Awaited<ReturnType<typeof makeTestCa>>;

beforeAll(async () => {
  pinnedRoot = await makeTestCa('Approved Maker Root');
  dirs = await tempDirs();
  await writeFile(dirs.osPolicyPath, signedText({ ...basePolicy, unlock: { allowedAaguids: [aaguidText(MODEL)], attestationRoots: [pinnedRoot.pem] } }));
  policy = new PolicyService({ managedDir: dirs.managedDir, osPolicyPath: dirs.osPolicyPath, serials: inMemoryPolicySerials(), watch: false });
  await policy.start();
  // The liar: the approved model's AAGUID in its data, and no attestation to back it.
  key = softKey('soft-1', { random, keepaliveMs: 5, attestation: { fmt: 'none' } });
  key.authenticator.state.aaguid = MODEL.slice();
  main = await mainWithGateway({ fidoDiscovery: softDiscovery([key]), policy });
  server = await startApp(inject('rendererDir'), main.services);
  browser = await launchChromium();
  page = await openApp(await browser.newContext({ viewport: { width: 1100, height: 720 } }), server);
  await pageCall(page, 'ui', 'vault.create', { password: 'attested keys e2e' });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await main?.close();
  policy?.close();
  await dirs?.cleanup();
});

async function addKey(name: string): Promise<void> {
  await page.fill('[data-testid=enrol-name]', name);
  await page.click('[data-testid=enrol-submit]');
}

describe('attested security keys in the UI', () => {
  it('a key that only claims an approved model is refused with a reason, and no slot is written', async () => {
    await page.click('[data-testid=nav-keys]');
    await addKey('Claims to be approved');
    const error = page.locator('section[aria-labelledby=keys-title] [data-testid=error]');
    await expect.poll(() => error.textContent(), { timeout: 30_000 }).toContain('did not say who made it');
    expect(await error.textContent()).toContain('Acme Corp only allows approved security key models');
    const slots = await pageCall<{ slots: { kind: string }[] }>(page, 'ui', 'slots.list', {});
    expect(slots.slots.some((s) => s.kind === 'hardware_key')).toBe(false);
  });

  it('the same key with a certificate from the pinned maker enrols', async () => {
    key.authenticator.attestation = packed(await issueAttestationCert(pinnedRoot, { aaguid: MODEL }));
    await addKey('Approved key');
    await expect.poll(() => page.locator('[data-testid=enrolled-key]').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator('[data-testid=enrolled-key]').textContent()).toContain('Approved key');
    const slots = await pageCall<{ slots: { kind: string }[] }>(page, 'ui', 'slots.list', {});
    expect(slots.slots.filter((s) => s.kind === 'hardware_key')).toHaveLength(1);
  });
});
