/**
 * Two devices of one person edit offline, then sync through a real server over HTTP:
 * every edit survives (field-by-field merge, or a kept copy when a field truly
 * conflicts), queued edits survive a restart, retries never duplicate.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDexieSyncStores } from '../../../src/core/sync/sync-store.dexie';
import { enrolTestDevice, newTenant, useTestServer } from '../server/helpers';
import { encode, syncedDevice } from './devices';

const env = useTestServer();

async function twoDevices() {
  const t = await newTenant(env.db);
  const a = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId));
  const b = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId));
  return { t, a, b };
}

describe('offline edits on two devices of one person', () => {
  it('edits to different fields of one item are merged field by field', async () => {
    const { a, b } = await twoDevices();
    await a.edit('item-1', { title: 'Mail', user: 'alice', password: 'old' });
    await a.client.sync();
    await b.client.sync();
    expect(b.items.get('item-1')).toEqual({ title: 'Mail', user: 'alice', password: 'old' });

    // Both offline: A changes the password, B renames the item.
    await a.edit('item-1', { title: 'Mail', user: 'alice', password: 'new-A' });
    await b.edit('item-1', { title: 'Work mail', user: 'alice', password: 'old' });
    await a.client.sync();
    const rb = await b.client.sync();
    expect(rb.conflicts).toBe(1);
    await a.client.sync();

    const want = { title: 'Work mail', user: 'alice', password: 'new-A' };
    expect(a.items.get('item-1')).toEqual(want);
    expect(b.items.get('item-1')).toEqual(want);
    expect(await a.client.pendingCount()).toBe(0);
    expect(await b.client.pendingCount()).toBe(0);
  });

  it('edits to the same field keep both versions (the local one as a copy)', async () => {
    const { a, b } = await twoDevices();
    await a.edit('item-2', { title: 'Bank', password: 'p0' });
    await a.client.sync();
    await b.client.sync();
    await a.edit('item-2', { title: 'Bank', password: 'from-A' });
    await b.edit('item-2', { title: 'Bank', password: 'from-B' });
    await a.client.sync();
    await b.client.sync();
    await a.client.sync();
    for (const d of [a, b]) {
      const passwords = [...d.items.values()].map((f) => f.password).sort();
      expect(passwords).toEqual(['from-A', 'from-B']);
      expect(d.items.get('item-2')?.password).toBe('from-A');
    }
  });

  it('an edit wins over a delete made offline on the other device', async () => {
    const { a, b } = await twoDevices();
    await a.edit('item-3', { title: 'Wifi', password: 'x' });
    await a.client.sync();
    await b.client.sync();
    await a.remove('item-3');
    await b.edit('item-3', { title: 'Wifi', password: 'y' });
    await a.client.sync();
    await b.client.sync();
    await a.client.sync();
    expect(a.items.get('item-3')).toEqual({ title: 'Wifi', password: 'y' });
    expect(b.items.get('item-3')).toEqual({ title: 'Wifi', password: 'y' });
  });

  it('a delete on one device reaches the other as a tombstone', async () => {
    const { a, b } = await twoDevices();
    await a.edit('item-4', { title: 'Old' });
    await a.client.sync();
    await b.client.sync();
    await b.remove('item-4');
    await b.client.sync();
    await a.client.sync();
    expect(a.items.has('item-4')).toBe(false);
    const page = await a.dev.api.pull(0, 10);
    expect(page.records.find((r) => r.id === 'item-4')).toMatchObject({ deleted: true, ciphertext: '', version: 2 });
  });

  it('edits queued offline in IndexedDB survive a restart and replay exactly once', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const name = `outbox-${dev.deviceId}`;
    const s1 = openDexieSyncStores(name);
    const first = syncedDevice(dev, s1);
    await first.edit('item-5', { title: 'v1' });
    await first.edit('item-5', { title: 'v2' });
    await first.edit('item-6', { title: 'other' });
    s1.close(); // the app quits before it could sync

    const s2 = openDexieSyncStores(name);
    const again = syncedDevice(dev, s2);
    expect(await again.client.pendingCount()).toBe(3);
    await again.client.sync();
    expect(await again.client.pendingCount()).toBe(0);
    const page = await dev.api.pull(0, 100);
    expect(page.records.map((r) => [r.id, r.version]).sort()).toEqual([
      ['item-5', 2],
      ['item-6', 1],
    ]);
    expect(page.headSeq).toBe(3);
    s2.close();
  });

  it('a push retried after a lost response is applied once, not twice', async () => {
    const { a } = await twoDevices();
    const change = { changeId: 'retry-change-0000000001', id: 'item-7', baseVersion: 0, deleted: false, ciphertext: encode('item-7', { t: 1 }) };
    const first = await a.dev.api.push([change]);
    const second = await a.dev.api.push([change]);
    expect(first.results[0]).toMatchObject({ status: 'applied', version: 1 });
    expect(second.results[0]).toMatchObject({ status: 'applied', version: 1, seq: first.results[0]!.status === 'applied' ? first.results[0]!.seq : -1 });
    expect(second.headSeq).toBe(first.headSeq);
  });

  it('a stale base version is refused (compare-and-swap) and the current record returned', async () => {
    const { a } = await twoDevices();
    await a.edit('item-8', { t: 1 });
    await a.client.sync();
    const res = await a.dev.api.push([{ changeId: 'stale-change-000000001', id: 'item-8', baseVersion: 0, deleted: false, ciphertext: encode('item-8', { t: 9 }) }]);
    expect(res.results[0]).toMatchObject({ status: 'conflict', current: { id: 'item-8', version: 1, ciphertext: encode('item-8', { t: 1 }) } });
  });

  it('two devices pushing the same record at the same moment: exactly one wins, the other gets a conflict', async () => {
    const { a, b } = await twoDevices();
    for (let round = 0; round < 5; round++) {
      const id = `race-${round}`;
      const [ra, rb] = await Promise.all([
        a.dev.api.push([{ changeId: `race-a-${round}-000000000000`, id, baseVersion: 0, deleted: false, ciphertext: encode(id, { by: 'a' }) }]),
        b.dev.api.push([{ changeId: `race-b-${round}-000000000000`, id, baseVersion: 0, deleted: false, ciphertext: encode(id, { by: 'b' }) }]),
      ]);
      const statuses = [ra.results[0]!.status, rb.results[0]!.status].sort();
      expect(statuses).toEqual(['applied', 'conflict']);
    }
    const page = await a.dev.api.pull(0, 100);
    expect(page.records.map((r) => r.version)).toEqual([1, 1, 1, 1, 1]);
    expect(page.headSeq).toBe(5);
  });

  it('a new device pulls a large vault in pages', async () => {
    const { a, t } = await twoDevices();
    for (let i = 0; i < 1200; i++) await a.client.enqueue({ id: `bulk-${i}`, deleted: false, ciphertext: encode(`bulk-${i}`, { i }) });
    await a.client.sync();
    const fresh = syncedDevice(await enrolTestDevice(env.server, t.orgId, t.userId), {}, 250);
    const report = await fresh.client.sync();
    expect(report.pulled).toBe(1200);
    expect(fresh.items.size).toBe(1200);
    expect(fresh.items.get('bulk-777')).toEqual({ i: 777 });
  });
});
