/**
 * The vault side of hardware keys, with the real engine (Dexie on fake-indexeddb),
 * the real CTAP2 client and service, and software keys: enrol two keys, open the
 * vault with each, rename and remove one, never the last way in.
 */
import { describe, expect, it } from 'vitest';
import { createWebCryptoRandom } from '../../../src/core/crypto/random.browser';
import {
  createVaultWithHardwareKey,
  enrolHardwareKey,
  HARDWARE_KEY_SLOT,
  hardwareKeySlotParams,
  renameHardwareKeySlot,
  unlockWithHardwareKey,
} from '../../../src/core/vault/slots/hardware-key';
import { LatchkeyError } from '../../../src/shared/errors';
import { makeHarness, PASSWORD } from '../core/helpers';
import { expectCode, makeKey, makeService } from './helpers';

const rng = createWebCryptoRandom();

async function setup() {
  const h = makeHarness();
  await h.engine.createVault(PASSWORD);
  const a = makeKey('a');
  const b = makeKey('b');
  const svc = makeService([a, b]);
  const deps = { engine: h.engine, store: h.store, hardwareKey: svc.service, random: rng };
  // Key A has a PIN (slot records uv = 1); key B has none (uv = 0).
  await svc.service.setPin('2468', 'a');
  svc.pins.push('2468');
  const ea = await enrolHardwareKey(deps, { name: 'Blue key', deviceId: 'a' });
  const eb = await enrolHardwareKey(deps, { name: 'Backup key', deviceId: 'b' });
  return { h, a, b, svc, deps, ea, eb };
}

describe('hardware-key slots in the vault', () => {
  it('enrols two keys, and each one alone opens the vault', async () => {
    const { h, a, b, svc, deps, ea, eb } = await setup();
    expect(ea.uv).toBe(true);
    expect(eb.uv).toBe(false);
    const slots = await h.engine.listSlots();
    expect(
      slots
        .filter((s) => s.kind === HARDWARE_KEY_SLOT)
        .map((s) => s.label)
        .sort(),
    ).toEqual(['Backup key', 'Blue key']);

    h.engine.lock();
    b.unplug();
    svc.pins.push('2468');
    const r1 = await unlockWithHardwareKey(deps);
    expect(r1.slotId).toBe(ea.slotId);
    expect(h.engine.isUnlocked()).toBe(true);

    h.engine.lock();
    b.replug();
    a.unplug();
    const r2 = await unlockWithHardwareKey(deps);
    expect(r2.slotId).toBe(eb.slotId);
    expect(h.engine.isUnlocked()).toBe(true);
    expect(h.audit.filter((e) => e.action === 'vault.unlock' && e.outcome === 'success').map((e) => e.reason)).toEqual([HARDWARE_KEY_SLOT, HARDWARE_KEY_SLOT]);
  });

  it('with both keys plugged in, the one holding a credential is found without a touch on the other', async () => {
    const { h, svc, deps } = await setup();
    h.engine.lock();
    svc.pins.push('2468');
    await unlockWithHardwareKey(deps);
    expect(h.engine.isUnlocked()).toBe(true);
  });

  it('a removed key no longer opens the vault; the other still does', async () => {
    const { h, b, deps, ea } = await setup();
    await h.engine.removeSlot(ea.slotId);
    h.engine.lock();
    b.unplug();
    await expectCode(unlockWithHardwareKey(deps), 'fido_not_enrolled');
    b.replug();
    await unlockWithHardwareKey(deps);
    expect(h.engine.isUnlocked()).toBe(true);
  });

  it('a key alone can be the only way in (password forbidden by policy), and the last key cannot be removed', async () => {
    const { h, deps, ea, eb } = await setup();
    for (const s of await h.engine.listSlots()) if (s.kind !== HARDWARE_KEY_SLOT) await h.engine.removeSlot(s.id);
    await h.engine.removeSlot(ea.slotId);
    await expectCode(h.engine.removeSlot(eb.slotId), 'last_slot');
    h.engine.lock();
    await expectCode(h.engine.unlockWithPassword(PASSWORD), 'not_found');
    await unlockWithHardwareKey(deps);
    expect(h.engine.isUnlocked()).toBe(true);
  });

  it('renames a key; the renamed slot still passes its integrity check and opens the vault', async () => {
    const { h, a, deps, eb } = await setup();
    await renameHardwareKeySlot(deps, eb.slotId, 'Drawer key');
    expect((await h.engine.listSlots()).find((s) => s.id === eb.slotId)?.label).toBe('Drawer key');
    h.engine.lock();
    a.unplug();
    await unlockWithHardwareKey(deps);
    await expect(h.engine.status()).resolves.toMatchObject({ state: 'unlocked' });
  });

  it('the slot records credential id, AAGUID, uv and a fresh PRF salt per slot', async () => {
    const { h, a, ea, eb } = await setup();
    const recs = (await h.store.readSlots()).filter((s) => s.kind === HARDWARE_KEY_SLOT);
    const pa = hardwareKeySlotParams(recs.find((r) => r.id === ea.slotId)!);
    const pb = hardwareKeySlotParams(recs.find((r) => r.id === eb.slotId)!);
    expect(pa.uv).toBe(true);
    expect(pa.aaguid.replace(/-/g, '')).toBe(Buffer.from(a.authenticator.state.aaguid).toString('hex'));
    expect(pa.credentialId).toEqual(a.authenticator.state.credentials[0]!.id);
    expect(pa.prfSalt).not.toEqual(pb.prfSalt);
    expect(pa.salt).not.toEqual(pb.salt);
  });

  it('the same key cannot be enrolled twice (excludeList)', async () => {
    const { svc, deps } = await setup();
    await expectCode(enrolHardwareKey(deps, { name: 'again', deviceId: 'b' }), 'conflict');
    expect(svc.events.some((e) => e.event === 'done')).toBe(true);
  });

  it('the other hmac secret (UV differs from enrolment) does not open the slot', async () => {
    const { h, b, svc } = await setup();
    h.engine.lock();
    b.unplug();
    // Ask key A for its without-UV secret for its slot's salt: the KEK differs and the engine refuses.
    const slot = (await h.store.readSlots()).find((s) => s.kind === HARDWARE_KEY_SLOT && hardwareKeySlotParams(s).uv)!;
    const p = hardwareKeySlotParams(slot);
    const got = await svc.service.getHmacSecret({ credentialIds: [p.credentialId], salt: p.prfSalt, uv: false });
    await expectCode(h.engine.unlock(HARDWARE_KEY_SLOT, got), 'fido_not_enrolled');
    expect(h.engine.isUnlocked()).toBe(false);
  });

  it('a policy gate refuses a key without user verification before any slot is written', async () => {
    const { h, deps } = await setup();
    const before = (await h.store.readSlots()).length;
    const c = makeKey('c');
    const svc = makeService([c]);
    const gated = {
      ...deps,
      hardwareKey: svc.service,
      allowKey: (f: { aaguid: string; userVerification: boolean }) => {
        if (!f.userVerification) throw new LatchkeyError('policy_forbidden', 'A key without PIN is refused.');
      },
    };
    await expectCode(enrolHardwareKey(gated, { name: 'No PIN' }), 'policy_forbidden');
    expect((await h.store.readSlots()).length).toBe(before);
  });

  it('creates a vault with a key as its first way in and no password slot; a missing touch leaves no vault', async () => {
    const h = makeHarness();
    const k = makeKey('first', { presence: 'never', presenceTimeoutMs: 100 });
    const svc = makeService([k], { touchTimeoutMs: 300 });
    const deps = { engine: h.engine, store: h.store, hardwareKey: svc.service, random: rng };
    await expectCode(createVaultWithHardwareKey(deps, { name: 'First key' }), 'fido_no_touch');
    await expect(h.engine.status()).resolves.toMatchObject({ state: 'no_vault' });

    k.authenticator.presence = 'auto';
    const made = await createVaultWithHardwareKey(deps, { name: 'First key' });
    expect(made.recoveryCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$/);
    expect((await h.engine.listSlots()).map((s) => s.kind).sort()).toEqual([HARDWARE_KEY_SLOT, 'recovery_code']);
    h.engine.lock();
    await unlockWithHardwareKey(deps);
    expect(h.engine.isUnlocked()).toBe(true);
    h.engine.lock();
    await h.engine.unlockWithRecoveryCode(made.recoveryCode);
    expect(h.engine.isUnlocked()).toBe(true);
  });
});
