/**
 * The break-glass notice in the real app (Chromium, the engine worker on real
 * IndexedDB): a vault whose organisation made a recovery code for the person by
 * break-glass (docs/break-glass.md) — written under Node by a real engine under a policy
 * with recovery.breakGlass, the code made as the admin CLI makes it — is loaded into the
 * page. The notice shows on the unlock screen already, names the admins, and the code
 * opens the vault through the UI; the notice stays after unlock and can be dismissed.
 */
import 'fake-indexeddb/auto';
import { x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { personalPolicy } from '../../src/core/policy';
import { ORG_RECOVERY_SLOT, openKekWithOrgKey, openSlot, sealBreakGlassRecoverySlot } from '../../src/core/vault/slots';
import type { PreviewServer } from '../../src/preview/server';
import { PASSWORD, makeHarness } from '../unit/core/helpers';
import { launchChromium, openApp, startApp } from './harness/browser';
import { pageCall } from './harness/page-engine';

let server: PreviewServer;
let browser: Browser;

beforeAll(async () => {
  server = await startApp(inject('rendererDir'));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function vaultWithBreakGlassCode() {
  const sk = x25519.utils.randomSecretKey();
  const pk = x25519.getPublicKey(sk);
  const keyId = Buffer.from(sha256(pk).subarray(0, 8)).toString('hex');
  const policy = {
    ...personalPolicy(),
    managed: true,
    orgName: 'Acme',
    policy: {
      version: 1 as const,
      org: { name: 'Acme' },
      recovery: { breakGlass: { orgRecoveryPublicKey: Buffer.from(pk).toString('base64url'), keyId, threshold: 2, admins: ['alice', 'bob'] } },
    },
  };
  const h = makeHarness({ extra: { policy: () => policy } });
  await h.engine.createVault(PASSWORD);
  const vaultId = (await h.store.readMeta())!.vaultId;
  const slot = (await h.store.readSlots()).find((s) => s.kind === ORG_RECOVERY_SLOT)!;
  const vk = openSlot(vaultId, slot, await openKekWithOrgKey(sk, vaultId, slot));
  const random = { bytes: (n: number) => crypto.getRandomValues(new Uint8Array(n)) };
  const made = sealBreakGlassRecoverySlot({ vaultId, slotId: 'Q'.repeat(22), vk, now: Date.now(), keyId, admins: ['bob', 'alice'] }, random);
  await h.engine.applyRemoteRecords({ putSlots: [made.slot] });
  h.engine.lock();
  const dump = await h.store.dumpRecords();
  h.store.close();
  return { dump, code: made.recoveryCode };
}

describe('a break-glass recovery code in the app', () => {
  it('shows the notice on the unlock screen, opens the vault, and the notice stays until dismissed', async () => {
    const { dump, code } = await vaultWithBreakGlassCode();
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    try {
      const page = await openApp(context, server);
      await pageCall(page, 'transfer', 'vault.load', { dump });
      await page.reload();
      await page.waitForSelector('[data-testid=break-glass-notice]', { timeout: 30_000 });
      expect(await page.textContent('[data-testid=break-glass-notice]')).toContain('administrators alice, bob used break-glass recovery');
      await page.click('button:has-text("Use the recovery code")');
      await page.fill('[data-testid=unlock-recovery]', code);
      await page.click('[data-testid=unlock-submit]');
      await page.waitForSelector('[data-testid=search]', { timeout: 30_000 });
      expect(await page.locator('[data-testid=break-glass-notice]').count()).toBe(1);
      await page.click('[data-testid=break-glass-notice] button:has-text("Dismiss for now")');
      expect(await page.locator('[data-testid=break-glass-notice]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
