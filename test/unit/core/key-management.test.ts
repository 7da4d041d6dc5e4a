/**
 * Change password re-wraps only; vault-key rotation re-wraps every item key and
 * every slot; the last slot cannot be removed; new password slots use the default
 * argon2id cost unless a test explicitly lowers it (and the cost is recorded).
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/core';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';
import { createWebCryptoRandom } from '../../../src/core/crypto/random.browser';
import { createDexieStore } from '../../../src/core/store/store.dexie';
import type { ItemSummary } from '../../../src/shared/items';
import { apiDraft, expectCode, freshDbName, loginDraft, makeHarness, PASSWORD, TEST_KDF } from './helpers';

const NEW_PASSWORD = 'a much better passphrase';

describe('change password', () => {
  it('re-wraps VK under the new password and touches no item record', async () => {
    const h = makeHarness();
    const { recoveryCode } = await h.engine.createVault(PASSWORD);
    const item = await h.engine.createItem(loginDraft());
    const before = await h.store.dumpRecords();
    await expectCode(h.engine.changePassword('wrong current', NEW_PASSWORD), 'wrong_password');
    await h.engine.changePassword(PASSWORD, NEW_PASSWORD);
    const after = await h.store.dumpRecords();
    expect(after.items).toEqual(before.items);
    expect(after.pages).toEqual(before.pages);
    const pwBefore = before.slots.find((s) => s.kind === 'password')!;
    const pwAfter = after.slots.find((s) => s.kind === 'password')!;
    expect(pwAfter.id).toBe(pwBefore.id);
    expect(pwAfter.params.salt).not.toBe(pwBefore.params.salt);
    h.engine.lock();
    await expectCode(h.engine.unlockWithPassword(PASSWORD), 'wrong_password');
    await h.engine.unlockWithPassword(NEW_PASSWORD);
    expect(await h.engine.revealField(item.id, 'password', 'reveal')).toBe('hunter2-very-secret');
    h.engine.lock();
    await h.engine.unlockWithRecoveryCode(recoveryCode);
    expect(h.audit.map((a) => `${a.action}:${a.outcome}`)).toContain('vault.change_password:failure');
  });
});

describe('vault-key rotation', () => {
  it('re-wraps every item key, re-seals pages, settings and slots, and issues a new recovery code', async () => {
    const h = makeHarness();
    const { recoveryCode: oldCode } = await h.engine.createVault(PASSWORD);
    const created: ItemSummary[] = [];
    for (let i = 0; i < 20; i++) created.push(await h.engine.createItem(i % 2 ? loginDraft(`L${i}`) : apiDraft(`A${i}`)));
    const before = await h.store.dumpRecords();
    await expectCode(h.engine.rotateVaultKey({}), 'wrong_password');
    await expectCode(h.engine.rotateVaultKey({ currentPassword: 'nope' }), 'wrong_password');
    expect(await h.store.dumpRecords()).toEqual(before); // failed rotations change nothing

    const { recoveryCode } = await h.engine.rotateVaultKey({ currentPassword: PASSWORD });
    expect(recoveryCode).toBeDefined();
    const after = await h.store.dumpRecords();
    for (const b of before.items) {
      const a = after.items.find((x) => x.id === b.id)!;
      expect(a.key).not.toBe(b.key); // item key re-wrapped under the new VK
      expect(a.overview).toBe(b.overview); // item ciphertexts untouched (item keys unchanged)
      expect(a.details).toBe(b.details);
      expect(a.version).toBe(b.version);
    }
    for (const p of after.pages) expect(p.envelope).not.toBe(before.pages.find((x) => x.page === p.page)!.envelope);
    // The old item-key wraps no longer open with the new VK: a record from before rotation is refused.
    await h.store.commit({ putItems: [{ ...(await h.store.readItem(created[0]!.id))!, key: Buffer.from(before.items.find((x) => x.id === created[0]!.id)!.key, 'base64url') }] });
    await expectCode(h.engine.getItem(created[0]!.id), 'integrity');
    await h.store.commit({ putItems: [await makeRecord(after, created[0]!.id)] });

    h.engine.lock();
    await expectCode(h.engine.unlockWithRecoveryCode(oldCode), 'wrong_recovery_code');
    await h.engine.unlockWithRecoveryCode(recoveryCode!);
    h.engine.lock();
    await h.engine.unlockWithPassword(PASSWORD);
    for (const c of created) {
      const field = c.overview.kind === 'login' ? 'password' : 'secret';
      expect(await h.engine.revealField(c.id, field, 'reveal')).toMatch(/hunter2|ghp_/);
    }
  });

  it('refuses (changing nothing) when a slot kind cannot be re-wrapped without its key', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    await h.engine.createItem(loginDraft());
    // A slot of a kind whose secret is not supplied and that cannot regenerate.
    const slots = await h.store.readSlots();
    const foreign = { ...slots[0]!, id: 'hwkey1', kind: 'hardware_key' };
    await h.store.commit({ putSlots: [foreign] });
    const before = await h.store.dumpRecords();
    await expectCode(h.engine.rotateVaultKey({ currentPassword: PASSWORD }), 'unsupported');
    expect(await h.store.dumpRecords()).toEqual(before);
  });
});

async function makeRecord(dump: Awaited<ReturnType<ReturnType<typeof makeHarness>['store']['dumpRecords']>>, id: string) {
  const r = dump.items.find((x) => x.id === id)!;
  const b = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));
  return { id: r.id, version: r.version, key: b(r.key), overview: b(r.overview), details: b(r.details) };
}

describe('slots', () => {
  it('never removes the last slot; a new recovery code replaces the old one', async () => {
    const h = makeHarness();
    const { recoveryCode: first } = await h.engine.createVault(PASSWORD);
    const slots = await h.engine.listSlots();
    expect(slots.map((s) => s.kind)).toEqual(['password', 'recovery_code']);
    const second = await h.engine.regenerateRecoveryCode();
    expect(second).not.toBe(first);
    const now = await h.engine.listSlots();
    expect(now.filter((s) => s.kind === 'recovery_code')).toHaveLength(1);
    await h.engine.removeSlot(now.find((s) => s.kind === 'password')!.id);
    const last = (await h.engine.listSlots())[0]!;
    const d = await expectCode(h.engine.removeSlot(last.id), 'last_slot');
    expect(d).toEqual({ slotId: last.id });
    h.engine.lock();
    await expectCode(h.engine.unlockWithRecoveryCode(first), 'wrong_recovery_code');
    await expectCode(h.engine.unlockWithPassword(PASSWORD), 'not_found');
    await h.engine.unlockWithRecoveryCode(second);
  });
});

describe('password KDF cost', () => {
  it('defaults to argon2id m=64 MiB, t=3, p=1, recorded in the slot', { timeout: 120_000 }, async () => {
    const store = createDexieStore({ name: freshDbName() });
    const engine = createEngine({ store, kdf: createNodeArgon2Kdf(), random: createWebCryptoRandom() });
    await engine.createVault(PASSWORD);
    const pw = (await store.readSlots()).find((s) => s.kind === 'password')!;
    expect(pw.params).toMatchObject({ alg: 'argon2id', v: 19, m: 65536, t: 3, p: 1 });
    engine.lock();
    await engine.unlockWithPassword(PASSWORD);
  });

  it('refuses weaker parameters unless the explicit test switch is set, which still records them', async () => {
    const store = createDexieStore({ name: freshDbName() });
    const weak = createEngine({ store, kdf: createNodeArgon2Kdf(), random: createWebCryptoRandom(), passwordKdf: TEST_KDF });
    await expectCode(weak.createVault(PASSWORD), 'kdf_too_weak');
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const pw = (await h.store.readSlots()).find((s) => s.kind === 'password')!;
    expect(pw.params).toMatchObject({ m: TEST_KDF.memoryKiB, t: TEST_KDF.iterations, p: TEST_KDF.parallelism });
  });
});
