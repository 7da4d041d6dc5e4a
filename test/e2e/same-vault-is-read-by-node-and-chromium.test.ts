/**
 * One vault format across runtimes: a vault written by the engine under Node
 * (fake-indexeddb) is loaded into real Chromium IndexedDB through the engine worker,
 * unlocked there (also through the UI) and read; a vault written in Chromium is
 * dumped and read back under Node. The carrier is the documented JSON dump
 * (docs/vault-format.md §6), ciphertext only. The Node side is the engine's own
 * fixture (test/unit/core/cross-runtime-fixture.ts).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { VaultDump } from '../../src/core/store/dump';
import type { PreviewServer } from '../../src/preview/server';
import type { FieldRef, ItemDraft } from '../../src/shared/items';
import { verifyDumpInNode, writeNodeVault, type ExpectedItem } from '../unit/core/cross-runtime-fixture';
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

async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
  // A new context is a new, empty IndexedDB.
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  return { context, page: await openApp(context, server) };
}

describe('a vault written under Node', () => {
  it('loads into Chromium, unlocks there and every item reads back', async () => {
    const fx = await writeNodeVault();
    const { context, page } = await freshPage();
    try {
      expect((await pageCall<{ state: string }>(page, 'ui', 'vault.status', {})).state).toBe('no_vault');
      await pageCall(page, 'transfer', 'vault.load', { dump: fx.dump });
      await pageCall(page, 'ui', 'vault.unlockWithPassword', { password: fx.password });
      const status = await pageCall<{ state: string; itemCount: number; issues?: unknown[] }>(page, 'ui', 'vault.status', {});
      expect(status).toMatchObject({ state: 'unlocked', itemCount: fx.expected.length });
      expect(status.issues ?? []).toEqual([]);
      for (const e of fx.expected) {
        const { item } = await pageCall<{ item: { overview: { title: string } } }>(page, 'ui', 'item.get', { id: e.id });
        expect(item.overview.title).toBe(e.title);
        const { value } = await pageCall<{ value: string }>(page, 'ui', 'item.reveal', { id: e.id, field: e.field, purpose: 'reveal' });
        expect(value).toBe(e.secret);
      }
      // And a person can open it in the app: lock, reload, unlock with the recovery code written under Node.
      await pageCall(page, 'ui', 'vault.lock', {});
      await page.reload();
      await page.click('button:has-text("Use the recovery code")');
      await page.fill('[data-testid=unlock-recovery]', fx.recoveryCode.toLowerCase());
      await page.click('[data-testid=unlock-submit]');
      await page.waitForSelector('[data-testid=search]', { timeout: 30_000 });
      await expect.poll(() => page.locator('[data-testid=item-row]').count()).toBe(fx.expected.length);
    } finally {
      await context.close();
    }
  });
});

describe('a vault written in Chromium', () => {
  it('is dumped there and reads back under Node', async () => {
    const password = 'written in chromium ✓';
    const { context, page } = await freshPage();
    try {
      await pageCall(page, 'ui', 'vault.create', { password });
      // [draft, field to read back, the secret it must hold]
      const drafts: [ItemDraft, FieldRef, string][] = [
        [
          {
            overview: { kind: 'login', title: 'Bank — ünïcode', username: 'me', urls: ['https://bank.example'], tags: ['money'] },
            details: { kind: 'login', password: 'pässwörd 🔐', totp: 'JBSWY3DPEHPK3PXP', customFields: [] },
          },
          'password',
          'pässwörd 🔐',
        ],
        [
          {
            overview: {
              kind: 'api_credential',
              title: 'OpenAI',
              urls: [],
              tags: [],
              description: 'LLM API',
              injection: { type: 'bearer' },
              allowedOrigins: ['https://api.openai.com'],
            },
            details: { kind: 'api_credential', secret: 'sk-proj-abc123', customFields: [] },
          },
          'secret',
          'sk-proj-abc123',
        ],
        [
          {
            overview: { kind: 'ssh_key', title: 'Deploy key', urls: [], tags: [] },
            details: { kind: 'ssh_key', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n', customFields: [] },
          },
          'privateKey',
          '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n',
        ],
        [
          {
            overview: { kind: 'secure_note', title: 'Door code', urls: [], tags: [] },
            details: { kind: 'secure_note', text: 'front door', customFields: [{ id: 'door', name: 'code', concealed: true, value: '4711' }] },
          },
          'custom:door',
          '4711',
        ],
      ];
      const expected: ExpectedItem[] = [];
      for (const [d, field, secret] of drafts) {
        const { item } = await pageCall<{ item: { id: string } }>(page, 'ui', 'item.create', { item: d });
        expected.push({ id: item.id, title: d.overview.title, field, secret });
      }
      const { dump } = await pageCall<{ dump: VaultDump }>(page, 'transfer', 'vault.dump', {});
      expect(dump.items).toHaveLength(drafts.length);
      await verifyDumpInNode(dump, password, expected);
    } finally {
      await context.close();
    }
  });
});
