/**
 * Durability on real IndexedDB: while the engine worker is rewriting hundreds of
 * items (one transaction per update) and importing batches of new ones (one
 * transaction per batch), the whole browser is SIGKILLed. Relaunched on the same
 * profile, the vault opens, reports no integrity issue, and every item is wholly
 * version 1 or wholly version 2 (title, username and secret agree), and every
 * import batch is there completely or not at all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreviewServer } from '../../src/preview/server';
import type { ItemDraft } from '../../src/shared/items';
import { launchPersistent, openApp, startApp } from './harness/browser';
import { killChromiumOnProfile } from './harness/kill';
import { pageCall } from './harness/page-engine';

const PASSWORD = 'durability password';
const SEEDED = 200;
const BATCH = 10;
/** Kill once this many updates are durable, far from the end so the kill lands mid-way. */
const KILL_AFTER_UPDATES = 40;
const PADDING = 'p'.repeat(2048); // makes each write a few KiB, like a real item with notes

function draft(i: number, v: string): ItemDraft {
  return {
    overview: {
      kind: 'api_credential',
      title: `Item ${i} ${v}`,
      username: `user-${i}-${v}`,
      urls: [],
      tags: ['bulk'],
      description: 'bulk',
      injection: { type: 'bearer' },
      allowedOrigins: ['https://api.example.com'],
    },
    details: { kind: 'api_credential', secret: `secret-${i}-${v}`, notes: PADDING, customFields: [] },
  };
}

let server: PreviewServer;
let profile: string;
let context: BrowserContext | undefined;

beforeAll(async () => {
  server = await startApp(inject('rendererDir'));
  profile = mkdtempSync(join(tmpdir(), 'lk-e2e-profile-'));
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  killChromiumOnProfile(profile);
  await server?.close();
  rmSync(profile, { recursive: true, force: true });
});

/** Starts the writes inside the page and returns at once; progress is readable from window.__bulk. */
async function startBulkWrites(page: Page): Promise<void> {
  await page.evaluate(
    ([seeded, batch, padding]) => {
      const hooks = window.__latchkeyE2E!;
      const progress = { updates: 0, batches: 0, error: '' };
      (window as unknown as { __bulk: typeof progress }).__bulk = progress;
      void (async () => {
        const { items } = await hooks.ui.call('items.list', {});
        const byTitle = new Map(items.map((it) => [it.overview.title, it]));
        for (let i = 0; i < seeded; i++) {
          const it = byTitle.get(`Item ${i} v1`)!;
          await hooks.ui.call('item.update', {
            id: it.id,
            baseVersion: it.version,
            overview: { ...it.overview, title: `Item ${i} v2`, username: `user-${i}-v2` },
            details: { kind: 'api_credential', secret: `secret-${i}-v2`, notes: padding, customFields: [] },
          });
          progress.updates++;
          if (i % 20 === 19) {
            const b = progress.batches;
            const drafts = Array.from({ length: batch }, (_, k) => ({
              overview: { kind: 'secure_note' as const, title: `New ${b}-${k}`, urls: [], tags: [`batch-${b}`] },
              details: { kind: 'secure_note' as const, text: `note ${b}-${k}`, customFields: [{ id: 'c1', name: 'pin', concealed: true, value: `pin-${b}-${k}` }] },
            }));
            await hooks.transfer.call('items.import', { items: drafts });
            progress.batches++;
          }
        }
      })().catch((e: unknown) => {
        progress.error = String(e);
      });
    },
    [SEEDED, BATCH, PADDING] as const,
  );
}

describe('killing Chromium in the middle of bulk writes', () => {
  it('leaves a vault that opens with every item wholly old or wholly new', async () => {
    context = await launchPersistent(profile);
    let page = await openApp(context, server);
    await pageCall(page, 'ui', 'vault.create', { password: PASSWORD });
    await pageCall(page, 'transfer', 'items.import', { items: Array.from({ length: SEEDED }, (_, i) => draft(i, 'v1')) });

    await startBulkWrites(page);
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __bulk: { updates: number } }).__bulk.updates), { timeout: 60_000, interval: 5 })
      .toBeGreaterThanOrEqual(KILL_AFTER_UPDATES);
    expect(killChromiumOnProfile(profile)).toBeGreaterThan(0);
    await context.close().catch(() => undefined); // the process is gone; release Playwright's handle
    context = undefined;

    context = await launchPersistent(profile);
    page = await openApp(context, server);
    const status = await pageCall<{ state: string }>(page, 'ui', 'vault.status', {});
    expect(status.state).toBe('locked');
    await pageCall(page, 'ui', 'vault.unlockWithPassword', { password: PASSWORD });
    const unlocked = await pageCall<{ state: string; issues?: unknown[] }>(page, 'ui', 'vault.status', {});
    expect(unlocked.issues ?? []).toEqual([]);

    // Read every item back (overview + the secret from the separately encrypted details) inside the page.
    const rows = await page.evaluate(async () => {
      const hooks = window.__latchkeyE2E!;
      const { items } = await hooks.ui.call('items.list', {});
      const out: { kind: string; title: string; username: string; tags: string[]; secret: string; version: number }[] = [];
      for (const it of items) {
        const field = it.overview.kind === 'api_credential' ? 'secret' : 'custom:c1';
        const { value } = await hooks.ui.call('item.reveal', { id: it.id, field, purpose: 'reveal' });
        out.push({ kind: it.overview.kind, title: it.overview.title, username: it.overview.username ?? '', tags: it.overview.tags, secret: value, version: it.version });
      }
      return out;
    });

    const seeded = rows.filter((r) => r.kind === 'api_credential');
    expect(seeded).toHaveLength(SEEDED);
    let old = 0;
    let updated = 0;
    for (const r of seeded) {
      const m = /^Item (\d+) (v1|v2)$/.exec(r.title);
      expect(m, r.title).not.toBeNull();
      const [, i, v] = m!;
      expect(r.username).toBe(`user-${i}-${v}`);
      expect(r.secret).toBe(`secret-${i}-${v}`);
      expect(r.version).toBe(v === 'v1' ? 1 : 2);
      if (v === 'v1') old++;
      else updated++;
    }
    // The kill landed mid-way: some items were rewritten, some not yet.
    expect(updated).toBeGreaterThanOrEqual(KILL_AFTER_UPDATES);
    expect(old).toBeGreaterThan(0);

    const notes = rows.filter((r) => r.kind === 'secure_note');
    const perBatch = new Map<string, number>();
    for (const n of notes) {
      const m = /^New (\d+)-(\d+)$/.exec(n.title);
      expect(m, n.title).not.toBeNull();
      expect(n.secret).toBe(`pin-${m![1]}-${m![2]}`);
      perBatch.set(m![1]!, (perBatch.get(m![1]!) ?? 0) + 1);
    }
    for (const count of perBatch.values()) expect(count).toBe(BATCH);
  });
});
