/**
 * A vault written before the trash and item history existed (vault format 3; fixture
 * written by that code, fixtures/vault-format-3.json: overviews without `trashedAt`,
 * details without `history`) opens with every item, secret and setting, reports
 * nothing, and its items can then be trashed, restored, edited with history and
 * restored from it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VaultDump } from '../../../src/core/store/dump';
import type { FieldRef, ItemView } from '../../../src/shared/items';
import { makeHarness } from './helpers';

interface Fixture {
  password: string;
  recoveryCode: string;
  autoLockMinutes: number;
  expected: Array<{ id: string; title: string; field: FieldRef; secret: string }>;
  dump: VaultDump;
}

const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'vault-format-3.json'), 'utf8')) as Fixture;

describe('a format-3 vault', () => {
  it('is a genuine format-3 vault', () => {
    expect(fx.dump.meta?.formatVersion).toBe(3);
    expect(fx.dump.head?.v).toBe(2);
  });

  it('opens with every item, secret and setting and nothing reported', async () => {
    const h = makeHarness();
    await h.store.loadRecords(fx.dump);
    await h.engine.unlockWithPassword(fx.password);
    expect((await h.engine.status()).issues).toBeUndefined();
    expect(
      h.engine
        .listItems()
        .map((i) => [i.id, i.overview.title])
        .sort(),
    ).toEqual(fx.expected.map((e) => [e.id, e.title]).sort());
    for (const e of fx.expected) expect(await h.engine.revealField(e.id, e.field, 'reveal')).toBe(e.secret);
    expect(h.engine.listTrash()).toEqual([]);
    expect(h.engine.getSettings().autoLockMinutes).toBe(fx.autoLockMinutes);
    h.engine.lock();
    await h.engine.unlockWithRecoveryCode(fx.recoveryCode);
    expect(h.engine.listItems()).toHaveLength(fx.expected.length);
  });

  it('its items go to the trash and back, and keep history from the first edit on', async () => {
    const h = makeHarness();
    await h.store.loadRecords(fx.dump);
    await h.engine.unlockWithPassword(fx.password);
    const login = fx.expected[0]!;
    const before = await h.engine.getItem(login.id);
    expect(before.history).toEqual([]);
    await h.engine.trashItem(login.id);
    expect(h.engine.listItems().some((i) => i.id === login.id)).toBe(false);
    await h.engine.restoreItem(login.id);
    const v = await h.engine.getItem(login.id);
    expect(v.overview).toEqual(before.overview);
    await h.engine.updateItem({ id: v.id, baseVersion: v.version, overview: v.overview, details: { ...v.details, password: 'new one' } as ItemView['details'] });
    const after = await h.engine.getItem(login.id);
    expect(after.history?.map((x) => x.version)).toEqual([v.version]);
    expect(await h.engine.revealPreviousValue(login.id, v.version, 'password')).toBe(login.secret);
    h.engine.lock();
    await h.engine.unlockWithPassword(fx.password);
    expect((await h.engine.status()).issues).toBeUndefined();
    expect(await h.engine.revealField(login.id, 'password', 'reveal')).toBe('new one');
  });
});
