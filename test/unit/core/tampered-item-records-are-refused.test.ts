/**
 * Tamper resistance of item records: flipping ANY byte of an item's key, overview
 * or details ciphertext, or changing an AAD-bound field (id, version), gives
 * LatchkeyError('integrity') naming that item — and nothing else changes: every
 * other item still reads, and restoring the record restores the item.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ItemRecord } from '../../../src/core/store/records';
import type { ItemSummary } from '../../../src/shared/items';
import { apiDraft, expectCode, loginDraft, makeHarness, noteDraft, PASSWORD, sshDraft, type Harness } from './helpers';

let h: Harness;
let items: ItemSummary[];
let originals: Map<string, string>;

async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const i of items) {
    const v = await h.engine.getItem(i.id);
    const secret = v.overview.kind === 'api_credential' ? await h.engine.revealField(i.id, 'secret', 'reveal') : '';
    out.set(i.id, JSON.stringify([v, secret]));
  }
  return out;
}

beforeAll(async () => {
  h = makeHarness();
  await h.engine.createVault(PASSWORD);
  items = [await h.engine.createItem(loginDraft()), await h.engine.createItem(apiDraft()), await h.engine.createItem(sshDraft()), await h.engine.createItem(noteDraft())];
  originals = await snapshot();
});

async function expectOnlyThisItemBroken(id: string): Promise<void> {
  const d = await expectCode(h.engine.getItem(id), 'integrity');
  expect(d).toEqual({ itemId: id });
  await expectCode(h.engine.revealField(id, 'password', 'reveal'), 'integrity');
}

describe('tampered item ciphertexts are refused, naming the item', () => {
  for (const part of ['key', 'overview', 'details'] as const) {
    it(`flipping each byte of the ${part} envelope of every item`, { timeout: 120_000 }, async () => {
      for (const item of items) {
        const original = (await h.store.readItem(item.id))!;
        const bytes = original[part];
        for (let pos = 0; pos < bytes.length; pos++) {
          const flipped = new Uint8Array(bytes);
          flipped[pos]! ^= 1 << (pos % 8);
          await h.store.commit({ putItems: [{ ...original, [part]: flipped }] });
          await expectOnlyThisItemBroken(item.id);
        }
        // Truncated and extended envelopes too.
        for (const bad of [bytes.subarray(0, bytes.length - 1), new Uint8Array([...bytes, 0]), new Uint8Array(0)]) {
          await h.store.commit({ putItems: [{ ...original, [part]: bad }] });
          await expectOnlyThisItemBroken(item.id);
        }
        // Meanwhile every OTHER item still reads.
        for (const other of items.filter((o) => o.id !== item.id)) await h.engine.getItem(other.id);
        await h.store.commit({ putItems: [original] });
      }
      expect(await snapshot()).toEqual(originals);
    });
  }
});

describe('tampered AAD-bound fields are refused, naming the item', () => {
  it('a record whose version field was changed (rollback or bump)', async () => {
    for (const item of items) {
      const original = (await h.store.readItem(item.id))!;
      for (const version of [original.version + 1, original.version + 256, 2 ** 31]) {
        await h.store.commit({ putItems: [{ ...original, version }] });
        await expectOnlyThisItemBroken(item.id);
      }
      await h.store.commit({ putItems: [original] });
    }
    expect(await snapshot()).toEqual(originals);
  });

  it('an older version of the record replayed after an edit', async () => {
    const target = items[0]!;
    const old = (await h.store.readItem(target.id))!;
    const view = await h.engine.getItem(target.id);
    const updated = await h.engine.updateItem({ id: target.id, baseVersion: view.version, overview: view.overview, details: view.details });
    const current = (await h.store.readItem(target.id))!;
    await h.store.commit({ putItems: [old] });
    await expectOnlyThisItemBroken(target.id);
    await h.store.commit({ putItems: [current] });
    expect((await h.engine.getItem(target.id)).version).toBe(updated.version);
    items[0] = updated;
    originals = await snapshot();
  });

  it('a record moved under another item id (swapped records)', async () => {
    const [a, b] = [items[0]!, items[1]!];
    const ra = (await h.store.readItem(a.id))!;
    const rb = (await h.store.readItem(b.id))!;
    const moved = (r: ItemRecord, id: string): ItemRecord => ({ ...r, id });
    await h.store.commit({ putItems: [moved(rb, a.id), moved(ra, b.id)] });
    await expectOnlyThisItemBroken(a.id);
    await expectOnlyThisItemBroken(b.id);
    await h.engine.getItem(items[2]!.id);
    await h.store.commit({ putItems: [ra, rb] });
    expect(await snapshot()).toEqual(originals);
  });

  it('a record deleted underneath the engine', async () => {
    const target = items[3]!;
    const original = (await h.store.readItem(target.id))!;
    await h.store.commit({ deleteItems: [target.id] });
    await expectOnlyThisItemBroken(target.id);
    await h.store.commit({ putItems: [original] });
    expect(await snapshot()).toEqual(originals);
  });

  it('a record from another vault (same id, different vault id in the AAD)', async () => {
    const other = makeHarness();
    await other.engine.createVault(PASSWORD);
    const foreign = await other.engine.createItem(loginDraft());
    const foreignRec = (await other.store.readItem(foreign.id))!;
    const target = items[0]!;
    const original = (await h.store.readItem(target.id))!;
    await h.store.commit({ putItems: [{ ...foreignRec, id: target.id, version: original.version }] });
    await expectOnlyThisItemBroken(target.id);
    await h.store.commit({ putItems: [original] });
    expect(await snapshot()).toEqual(originals);
  });

  it('after all that, a fresh unlock still reads every item unchanged', async () => {
    const h2 = h.reopen();
    await h2.engine.unlockWithPassword(PASSWORD);
    expect((await h2.engine.status()).issues).toBeUndefined();
    for (const i of items) expect((await h2.engine.getItem(i.id)).overview).toEqual(JSON.parse(originals.get(i.id)!)[0].overview);
  });
});
