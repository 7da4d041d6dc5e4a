/**
 * Tamper resistance of everything else that is stored:
 * - key slots: any changed byte/field of a slot gives 'integrity' naming the slot
 *   when that slot is used (before any KDF runs); the other slot still opens the
 *   vault and reports the damaged one; restoring the slot restores it.
 * - overview pages: a page that fails authentication is reported and rebuilt from
 *   the item records (which are authoritative): no item is lost or altered.
 * - settings: reported, defaults used, items untouched.
 * - the vault id in the meta record (bound into every AAD): 'integrity'.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createWebCryptoRandom } from '../../../src/core/crypto/random.browser';
import type { SlotRecord } from '../../../src/core/store/records';
import { deriveVaultKeys } from '../../../src/core/vault/keys';
import { openPage, pageOf } from '../../../src/core/vault/pages';
import type { ItemSummary } from '../../../src/shared/items';
import { apiDraft, expectCode, loginDraft, makeHarness, noteDraft, PASSWORD, type Harness } from './helpers';

let h: Harness;
let recoveryCode: string;
let items: ItemSummary[];
let slots: SlotRecord[];

let vk: Uint8Array | undefined;
let vaultId: string;

beforeAll(async () => {
  // Record VK (the first 32-byte draw of vault creation) so page envelopes can also be checked directly.
  const real = createWebCryptoRandom();
  const random = {
    bytes: (n: number) => {
      const b = real.bytes(n);
      if (n === 32 && !vk) vk = b.slice();
      return b;
    },
  };
  h = makeHarness({ extra: { random } });
  ({ recoveryCode, vaultId } = await h.engine.createVault(PASSWORD));
  items = [await h.engine.createItem(loginDraft()), await h.engine.createItem(apiDraft()), await h.engine.createItem(noteDraft())];
  await h.engine.updateSettings({ autoLockMinutes: 42 });
  h.engine.lock();
  slots = await h.store.readSlots();
});

const unlockWith = (kind: string) => (kind === 'password' ? h.engine.unlockWithPassword(PASSWORD) : h.engine.unlockWithRecoveryCode(recoveryCode));
const other = (kind: string) => (kind === 'password' ? 'recovery_code' : 'password');

async function expectAllItemsIntact(): Promise<void> {
  const listed = h.engine.listItems();
  expect(listed.map((i) => i.id).sort()).toEqual(items.map((i) => i.id).sort());
  for (const i of items) expect((await h.engine.getItem(i.id)).overview).toEqual(i.overview);
}

function slotVariants(s: SlotRecord): [string, SlotRecord][] {
  const out: [string, SlotRecord][] = [];
  for (const field of ['wrappedKey', 'digest'] as const) {
    for (let pos = 0; pos < s[field].length; pos++) {
      const b = new Uint8Array(s[field]);
      b[pos]! ^= 1 << (pos % 8);
      out.push([`${field}[${pos}]`, { ...s, [field]: b }]);
    }
  }
  for (const [k, v] of Object.entries(s.params)) {
    if (typeof v === 'number') for (const n of [v + 1, v - 1, v * 2]) out.push([`params.${k}=${n}`, { ...s, params: { ...s.params, [k]: n } }]);
    else
      for (let pos = 0; pos < v.length; pos++) {
        const c = v[pos] === 'A' ? 'B' : 'A';
        out.push([`params.${k}[${pos}]`, { ...s, params: { ...s.params, [k]: v.slice(0, pos) + c + v.slice(pos + 1) } }]);
      }
  }
  out.push(['label', { ...s, label: `${s.label}!` }], ['createdAt', { ...s, createdAt: s.createdAt + 1 }]);
  return out;
}

describe('tampered key slots are refused, naming the slot', () => {
  for (const kind of ['password', 'recovery_code']) {
    it(`every byte and field of the ${kind} slot`, { timeout: 120_000 }, async () => {
      const original = slots.find((s) => s.kind === kind)!;
      const variants = slotVariants(original);
      expect(variants.length).toBeGreaterThan(100);
      for (const [what, bad] of variants) {
        await h.store.commit({ putSlots: [bad] });
        const d = await expectCode(unlockWith(kind), 'integrity').catch((e: Error) => {
          throw new Error(`${what}: ${e.message}`);
        });
        expect(d).toEqual({ slotId: original.id });
        expect((await h.engine.status()).state).toBe('locked');
      }
      // The other way in still works and reports the damaged slot; items untouched.
      await unlockWith(other(kind));
      expect((await h.engine.status()).issues).toEqual([{ where: 'slot', id: original.id, problem: expect.stringMatching(/^(unauthentic|malformed)$/) }]);
      await expectAllItemsIntact();
      h.engine.lock();
      await h.store.commit({ putSlots: [original] });
      await unlockWith(kind);
      expect((await h.engine.status()).issues).toBeUndefined();
      h.engine.lock();
    });
  }

  it('a slot moved under another slot id or kind', async () => {
    const pw = slots.find((s) => s.kind === 'password')!;
    await h.store.commit({ putSlots: [{ ...pw, id: 'moved' }], deleteSlots: [pw.id] });
    await expectCode(h.engine.unlockWithPassword(PASSWORD), 'integrity');
    await h.store.commit({ putSlots: [pw], deleteSlots: ['moved'] });
    await h.engine.unlockWithPassword(PASSWORD);
    h.engine.lock();
  });

  it('the vault id in the meta record (bound into every slot and AAD)', async () => {
    const meta = (await h.store.readMeta())!;
    const flipped = (meta.vaultId[0] === 'A' ? 'B' : 'A') + meta.vaultId.slice(1);
    await h.store.commit({ meta: { ...meta, vaultId: flipped } });
    await expectCode(h.engine.unlockWithPassword(PASSWORD), 'integrity');
    await expectCode(h.engine.unlockWithRecoveryCode(recoveryCode), 'integrity');
    await h.store.commit({ meta });
    await h.engine.unlockWithPassword(PASSWORD);
    await expectAllItemsIntact();
    h.engine.lock();
  });
});

describe('tampered overview pages are reported and rebuilt from item records', () => {
  function flips(env: Uint8Array): Uint8Array[] {
    return Array.from(env, (_, pos) => {
      const b = new Uint8Array(env);
      b[pos]! ^= 1 << (pos % 8);
      return b;
    });
  }

  it('every byte of every non-empty page fails authentication (checked on the page codec)', async () => {
    const keys = deriveVaultKeys(vk!.slice(), vaultId);
    const pages = await h.store.readPages();
    for (const p of [...new Set(items.map((i) => pageOf(i.id)))]) {
      const original = pages.find((x) => x.page === p)!;
      expect(openPage(keys.page, vaultId, original)?.length).toBeGreaterThan(0);
      for (const envelope of flips(original.envelope)) expect(openPage(keys.page, vaultId, { ...original, envelope })).toBeNull();
      expect(openPage(keys.page, vaultId, { ...original, generation: original.generation + 1 })).toBeNull();
      expect(openPage(keys.page, vaultId, { ...original, page: (p + 1) % 64 })).toBeNull();
    }
  });

  it('through the engine: a tampered page (header, nonce, body, tag bytes; generation; page swap) is reported and rebuilt, no item lost', { timeout: 120_000 }, async () => {
    const pages = await h.store.readPages();
    const p = pageOf(items[0]!.id);
    const original = pages.find((x) => x.page === p)!;
    const all = flips(original.envelope);
    const n = all.length;
    // Positions in every region of the envelope (format, alg, nonce, ciphertext start/middle/end, tag).
    const sample = [0, 1, 2, 13, 25, 26, 27, Math.floor(n / 2), n - 17, n - 16, n - 8, n - 1].map((i) => all[i]!);
    const variants = [...sample.map((envelope) => ({ ...original, envelope })), { ...original, generation: original.generation + 1 }];
    for (const bad of variants) {
      await h.store.commit({ putPages: [bad] });
      await h.engine.unlockWithRecoveryCode(recoveryCode);
      expect((await h.engine.status()).issues).toEqual([{ where: 'overview_page', id: String(p), problem: 'replayed' }]);
      await expectAllItemsIntact();
      h.engine.lock();
    }
    // A page copied over another page number is refused for that number too.
    const victim = (p + 1) % 64;
    const victimOriginal = pages.find((x) => x.page === victim)!;
    await h.store.commit({ putPages: [{ ...original, page: victim }] });
    await h.engine.unlockWithPassword(PASSWORD);
    expect((await h.engine.status()).issues).toEqual(expect.arrayContaining([{ where: 'overview_page', id: String(victim), problem: 'replayed' }]));
    await expectAllItemsIntact();
    h.engine.lock();
    // The repair was written back: the next unlock has nothing to report.
    await h.engine.unlockWithPassword(PASSWORD);
    expect((await h.engine.status()).issues).toBeUndefined();
    h.engine.lock();
    // Putting the (once genuine) original pages back is a replay now, and is named.
    await h.store.commit({ putPages: [original, victimOriginal] });
    await h.engine.unlockWithPassword(PASSWORD);
    expect((await h.engine.status()).issues).toEqual([
      { where: 'overview_page', id: String(Math.min(p, victim)), problem: 'replayed' },
      { where: 'overview_page', id: String(Math.max(p, victim)), problem: 'replayed' },
    ]);
    await expectAllItemsIntact();
    h.engine.lock();
  });
});

describe('tampered settings are reported, defaults used, nothing else touched', () => {
  it('every byte of the settings envelope and its version', { timeout: 120_000 }, async () => {
    const original = (await h.store.readSettings())!;
    const variants = [
      ...Array.from(original.envelope, (_, pos) => {
        const b = new Uint8Array(original.envelope);
        b[pos]! ^= 1 << (pos % 8);
        return { ...original, envelope: b };
      }),
      { ...original, version: original.version + 1 },
    ];
    for (const bad of variants) {
      await h.store.commit({ settings: bad });
      await h.engine.unlockWithPassword(PASSWORD);
      expect((await h.engine.status()).issues).toEqual([{ where: 'settings', id: 'settings', problem: expect.any(String) }]);
      expect(h.engine.getSettings()).toEqual({ autoLockMinutes: 15 });
      await expectAllItemsIntact();
      h.engine.lock();
    }
    // The once genuine record, put back after the repair, is an older settings record: named, not used.
    await h.store.commit({ settings: original });
    await h.engine.unlockWithPassword(PASSWORD);
    expect((await h.engine.status()).issues).toEqual([{ where: 'settings', id: 'settings', problem: 'older' }]);
    expect(h.engine.getSettings()).toEqual({ autoLockMinutes: 15 });
    h.engine.lock();
  });
});
