/**
 * The vault head (docs/vault-format.md §6.1) makes every partial rollback or removal
 * of stored records visible at unlock, by name: a replayed overview page, an older
 * item record (also together with its matching old page), a deleted or added item
 * record, an older settings record, the old password slot put back after a password
 * change, a removed or altered head. No stored flag (e.g. format 1's `rebuildPages`)
 * relaxes any of it, and each repair is written back so it is reported once.
 */
import { describe, expect, it } from 'vitest';
import type { VaultDump } from '../../../src/core/store/dump';
import { apiDraft, expectCode, loginDraft, makeHarness, noteDraft, PASSWORD, type Harness } from './helpers';
import { pageOf } from '../../../src/core/vault/pages';

async function setup(): Promise<{ h: Harness; recoveryCode: string; ids: string[] }> {
  const h = makeHarness();
  const { recoveryCode } = await h.engine.createVault(PASSWORD);
  const ids = [(await h.engine.createItem(loginDraft('one'))).id, (await h.engine.createItem(apiDraft('two'))).id, (await h.engine.createItem(noteDraft())).id];
  return { h, recoveryCode, ids };
}

async function rename(h: Harness, id: string, title: string): Promise<void> {
  const view = await h.engine.getItem(id);
  await h.engine.updateItem({ id, baseVersion: view.version, overview: { ...view.overview, title }, details: view.details });
}

const issues = async (h: Harness) => (await h.engine.status()).issues ?? [];

async function unlockAgainIsClean(h: Harness): Promise<void> {
  h.engine.lock();
  await h.engine.unlockWithPassword(PASSWORD);
  expect(await issues(h)).toEqual([]);
  h.engine.lock();
}

describe('the vault head names what differs from the last write', () => {
  it('a replayed overview page is reported by name, rebuilt from the item records, and reported once', async () => {
    const { h, ids } = await setup();
    const p = pageOf(ids[0]!);
    const oldPage = (await h.store.readPages()).find((x) => x.page === p)!;
    await rename(h, ids[0]!, 'one renamed');
    h.engine.lock();
    await h.store.commit({ putPages: [oldPage] });
    await h.engine.unlockWithPassword(PASSWORD);
    expect(await issues(h)).toEqual([{ where: 'overview_page', id: String(p), problem: 'replayed' }]);
    expect(h.engine.listItems().find((i) => i.id === ids[0])?.overview.title).toBe('one renamed');
    await unlockAgainIsClean(h);
  });

  it('an older item record replayed together with its matching old page is named, not taken as current', async () => {
    const { h, ids } = await setup();
    const id = ids[1]!;
    const oldRec = (await h.store.readItem(id))!;
    const oldPage = (await h.store.readPages()).find((x) => x.page === pageOf(id))!;
    await rename(h, id, 'two v2');
    h.engine.lock();
    await h.store.commit({ putItems: [oldRec], putPages: [oldPage] });
    await h.engine.unlockWithPassword(PASSWORD);
    expect(await issues(h)).toEqual(
      expect.arrayContaining([
        { where: 'item', id, problem: 'older' },
        { where: 'overview_page', id: String(pageOf(id)), problem: 'replayed' },
      ]),
    );
    // The old secret is never served as the current one.
    expect(h.engine.listItems().some((i) => i.id === id)).toBe(false);
    await expectCode(h.engine.useCredential(id), 'not_found');
    await unlockAgainIsClean(h);
  });

  it('an older item record alone (its page current) is refused by name when opened, and never served', async () => {
    const { h, ids } = await setup();
    const id = ids[0]!;
    const oldRec = (await h.store.readItem(id))!;
    await rename(h, id, 'one v2');
    h.engine.lock();
    await h.store.commit({ putItems: [oldRec] });
    await h.engine.unlockWithPassword(PASSWORD);
    // Unlock reads no item record (64 page reads, docs/performance.md); the head-vouched
    // page holds the current version, so opening the item finds the older record.
    expect(h.engine.listItems().find((i) => i.id === id)?.overview.title).toBe('one v2');
    expect(await expectCode(h.engine.getItem(id), 'integrity')).toEqual({ itemId: id });
    await expectCode(h.engine.revealField(id, 'password', 'reveal'), 'integrity');
  });

  it('a deleted item record and an added one are each named', async () => {
    const { h, ids } = await setup();
    const gone = (await h.store.readItem(ids[0]!))!;
    // An item the person deleted, put back, counts as added.
    const deleted = (await h.store.readItem(ids[2]!))!;
    await h.engine.deleteItem(ids[2]!);
    h.engine.lock();
    await h.store.commit({ deleteItems: [gone.id], putItems: [deleted] });
    await h.engine.unlockWithPassword(PASSWORD);
    expect(await issues(h)).toEqual(
      expect.arrayContaining([
        { where: 'item', id: gone.id, problem: 'missing' },
        { where: 'item', id: deleted.id, problem: 'added' },
      ]),
    );
    expect(h.engine.listItems().map((i) => i.id)).toEqual([ids[1]]);
    await unlockAgainIsClean(h);
  });

  it('an older settings record is named and not used', async () => {
    const { h } = await setup();
    await h.engine.updateSettings({ autoLockMinutes: 5 });
    const before = (await h.store.readSettings())!;
    await h.engine.updateSettings({ autoLockMinutes: 1440 });
    await h.engine.updateSettings({ autoLockMinutes: 5 });
    h.engine.lock();
    await h.store.commit({ settings: before });
    await h.engine.unlockWithPassword(PASSWORD);
    expect(await issues(h)).toEqual([{ where: 'settings', id: 'settings', problem: 'older' }]);
    expect(h.engine.getSettings().autoLockMinutes).toBe(15);
    await unlockAgainIsClean(h);
  });

  it('the old password slot put back after a password change does not let the old password in', async () => {
    const { h, recoveryCode } = await setup();
    const oldSlot = (await h.store.readSlots()).find((s) => s.kind === 'password')!;
    await h.engine.changePassword(PASSWORD, 'the new password');
    h.engine.lock();
    await h.store.commit({ putSlots: [oldSlot] });
    const d = await expectCode(h.engine.unlockWithPassword(PASSWORD), 'integrity');
    expect(d).toEqual({ record: 'vault_head', slotId: oldSlot.id });
    expect((await h.engine.status()).state).toBe('locked');
    await h.engine.unlockWithRecoveryCode(recoveryCode);
    expect(await issues(h)).toEqual([{ where: 'slot', id: oldSlot.id, problem: 'older' }]);
  });

  it('a removed head is refused by name, and setting format 1 (or rebuildPages) does not turn the check off', async () => {
    const { h } = await setup();
    h.engine.lock();
    const dump = await h.store.dumpRecords();
    const noHead: VaultDump = { ...dump, head: null };
    await h.store.loadRecords(noHead);
    expect(await expectCode(h.engine.unlockWithPassword(PASSWORD), 'integrity')).toEqual({ record: 'vault_head' });
    await h.store.loadRecords({ ...noHead, meta: { ...dump.meta!, formatVersion: 1, rebuildPages: true } });
    expect(await expectCode(h.engine.unlockWithPassword(PASSWORD), 'integrity')).toEqual({ record: 'vault_head' });
    // The genuine head put back opens it again.
    await h.store.loadRecords(dump);
    await h.engine.unlockWithPassword(PASSWORD);
    expect(await issues(h)).toEqual([]);
  });

  it('an altered head (any byte of its MAC, or a committed version) is refused by name', async () => {
    const { h } = await setup();
    h.engine.lock();
    const head = (await h.store.readHead())!;
    for (let pos = 0; pos < 32; pos++) {
      const mac = new Uint8Array(head.mac);
      mac[pos]! ^= 1 << (pos % 8);
      await h.store.commit({ head: { ...head, mac } });
      expect(await expectCode(h.engine.unlockWithPassword(PASSWORD), 'integrity')).toMatchObject({ record: 'vault_head' });
    }
    // An item's version, one higher (each page's packed list ends with its last item's u32be(version)).
    const n = head.pages.findIndex((p) => p.items!.length > 4);
    const items = new Uint8Array(head.pages[n]!.items!);
    items[items.length - 1]! += 1;
    await h.store.commit({ head: { ...head, pages: head.pages.map((p, i) => (i === n ? { ...p, items } : p)) } });
    expect(await expectCode(h.engine.unlockWithPassword(PASSWORD), 'integrity')).toMatchObject({ record: 'vault_head' });
    await h.store.commit({ head });
    await h.engine.unlockWithPassword(PASSWORD);
    expect(await issues(h)).toEqual([]);
  });
});
