/**
 * A vault written by vault format 2 (head layout 1: one item list, whole-envelope page
 * digests; fixture written by that code, fixtures/vault-format-2.json) still opens
 * under format 3, is migrated at that unlock (head layout 2, formatVersion 3) without
 * an issue, and keeps every check: tampering done before the migrating unlock is still
 * named, an altered layout-1 head is refused, and a layout-1 head put back into the
 * migrated vault is refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VaultDump } from '../../../src/core/store/dump';
import { pageOf } from '../../../src/core/vault/pages';
import { HEAD_FORMAT } from '../../../src/core/vault/head';
import { VAULT_FORMAT_VERSION } from '../../../src/core/store/records';
import { expectCode, makeHarness, type Harness } from './helpers';

interface Fixture {
  password: string;
  recoveryCode: string;
  autoLockMinutes: number;
  expected: Array<{ id: string; title: string; secret: string }>;
  dump: VaultDump;
}

const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'vault-format-2.json'), 'utf8')) as Fixture;

async function loaded(dump: VaultDump = fx.dump): Promise<Harness> {
  const h = makeHarness();
  await h.store.loadRecords(dump);
  return h;
}

const issues = async (h: Harness) => (await h.engine.status()).issues ?? [];

describe('a format-2 vault under format 3', () => {
  it('is a genuine format-2 vault with a layout-1 head', () => {
    expect(fx.dump.meta?.formatVersion).toBe(2);
    expect(fx.dump.head?.v).toBe(1);
    expect(fx.dump.head?.items).toBeTypeOf('string');
    expect(VAULT_FORMAT_VERSION).toBe(3);
    expect(HEAD_FORMAT).toBe(2);
  });

  it('opens with its password, every item, secret and setting intact, and is migrated once', async () => {
    const h = await loaded();
    await h.engine.unlockWithPassword(fx.password);
    expect(await issues(h)).toEqual([]);
    expect(
      h.engine
        .listItems()
        .map((i) => [i.id, i.overview.title])
        .sort(),
    ).toEqual(fx.expected.map((e) => [e.id, e.title]).sort());
    for (const e of fx.expected) expect(await h.engine.revealField(e.id, 'password', 'reveal')).toBe(e.secret);
    expect(h.engine.getSettings().autoLockMinutes).toBe(fx.autoLockMinutes);
    const head = (await h.store.readHead())!;
    expect(head.v).toBe(2);
    expect(head.items).toBeUndefined();
    expect(head.pages.every((p) => p.items instanceof Uint8Array)).toBe(true);
    expect((await h.store.readMeta())!.formatVersion).toBe(3);
    h.engine.lock();
    // The migrated vault opens cleanly by either way in, and writes work on it.
    await h.engine.unlockWithRecoveryCode(fx.recoveryCode);
    expect(await issues(h)).toEqual([]);
    const first = fx.expected[0]!;
    const view = await h.engine.getItem(first.id);
    await h.engine.updateItem({ id: first.id, baseVersion: view.version, overview: { ...view.overview, title: 'after migration' }, details: view.details });
    await h.engine.deleteItem(fx.expected[1]!.id);
    const h2 = h.reopen();
    await h2.engine.unlockWithPassword(fx.password);
    expect(await issues(h2)).toEqual([]);
    expect(h2.engine.listItems()).toHaveLength(fx.expected.length - 1);
    expect(h2.engine.listItems().find((i) => i.id === first.id)?.overview.title).toBe('after migration');
  });

  it('tampering done before the migrating unlock is still named: an altered page, a removed and an added item record', async () => {
    const victim = fx.expected[2]!;
    const gone = fx.expected[3]!;
    const pages = fx.dump.pages.map((p) => {
      if (p.page !== pageOf(victim.id)) return p;
      // One ciphertext byte flipped (base64url char swapped in the middle of the envelope).
      const mid = Math.floor(p.envelope.length / 2);
      return { ...p, envelope: p.envelope.slice(0, mid) + (p.envelope[mid] === 'A' ? 'B' : 'A') + p.envelope.slice(mid + 1) };
    });
    const stray = { ...fx.dump.items.find((i) => i.id === gone.id)!, id: 'A'.repeat(22) };
    const items = [...fx.dump.items.filter((i) => i.id !== gone.id), stray];
    const h = await loaded({ ...fx.dump, pages, items });
    await h.engine.unlockWithPassword(fx.password);
    const found = await issues(h);
    expect(found).toEqual(
      expect.arrayContaining([
        { where: 'item', id: gone.id, problem: 'missing' },
        { where: 'item', id: stray.id, problem: 'added' },
        { where: 'overview_page', id: String(pageOf(victim.id)), problem: 'replayed' },
      ]),
    );
    // The altered page is rebuilt from the item records: its item is not lost.
    expect(h.engine.listItems().find((i) => i.id === victim.id)?.overview.title).toBe(victim.title);
    expect(h.engine.listItems().some((i) => i.id === stray.id || i.id === gone.id)).toBe(false);
    h.engine.lock();
    await h.engine.unlockWithPassword(fx.password);
    expect(await issues(h)).toEqual([]);
  });

  it('a layout-1 head with any altered byte of its MAC or item list is refused by name', async () => {
    const head = fx.dump.head!;
    const flip = (s: string) => (s[5] === 'A' ? `${s.slice(0, 5)}B${s.slice(6)}` : `${s.slice(0, 5)}A${s.slice(6)}`);
    for (const bad of [
      { ...head, mac: flip(head.mac) },
      { ...head, items: flip(head.items!) },
    ]) {
      const h = await loaded({ ...fx.dump, head: bad });
      expect(await expectCode(h.engine.unlockWithPassword(fx.password), 'integrity')).toMatchObject({ record: 'vault_head' });
    }
  });

  it('the layout-1 head put back into the migrated vault is refused, and with the format-2 meta too its stale state is named', async () => {
    const h = await loaded();
    await h.engine.unlockWithPassword(fx.password);
    const x = fx.expected[4]!;
    const view = await h.engine.getItem(x.id);
    await h.engine.updateItem({ id: x.id, baseVersion: view.version, overview: { ...view.overview, title: 'changed under format 3' }, details: view.details });
    h.engine.lock();
    const now = await h.store.dumpRecords();
    await h.store.loadRecords({ ...now, head: fx.dump.head });
    expect(await expectCode(h.engine.unlockWithPassword(fx.password), 'integrity')).toMatchObject({ record: 'vault_head' });
    // The meta is not authenticated: put back as format 2, the old head is read, and what
    // differs from it is named (as for any replayed head), never silently taken.
    await h.store.loadRecords({ ...now, head: fx.dump.head, meta: fx.dump.meta });
    await h.engine.unlockWithPassword(fx.password);
    expect(await issues(h)).toEqual(
      expect.arrayContaining([
        { where: 'overview_page', id: String(pageOf(x.id)), problem: 'replayed' },
        { where: 'item', id: x.id, problem: 'newer' },
      ]),
    );
  });
});
