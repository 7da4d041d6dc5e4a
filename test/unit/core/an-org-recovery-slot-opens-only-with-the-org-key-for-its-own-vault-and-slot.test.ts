/**
 * The org-recovery slot (docs/vault-format.md §4.4), on a real engine under a managed
 * policy with recovery.breakGlass:
 * - an independent reader that follows the documented layout (HPKE base mode with
 *   @hpke/core, info and aad built by hand from the doc) recovers the KEK, and the
 *   KEK opens VK;
 * - the HPKE aad binds vault id, slot id and key id: the slot under another id or in
 *   another vault, a flipped ciphertext byte, or another org key does not open;
 * - the slot never opens the vault on a device; a policy whose keyId is not its key's
 *   makes no slot (and says so in the audit log); rotation re-makes the slot for the
 *   new VK; a break-glass code's origin cannot be stripped without the slot failing.
 */
import 'fake-indexeddb/auto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { forwardEngineEvents } from '../../../src/core';
import { personalPolicy } from '../../../src/core/policy';
import { ORG_RECOVERY_SLOT, RECOVERY_SLOT, openKekWithOrgKey, openSlot, parseRecoveryCode, sealBreakGlassRecoverySlot, slotDigest } from '../../../src/core/vault/slots';
import { deriveKey } from '../../../src/core/crypto/hkdf';
import type { SlotRecord } from '../../../src/core/store/records';
import type { EffectivePolicy } from '../../../src/shared/policy';
import { PASSWORD, engineUiOverChannel, expectCode, makeHarness } from './helpers';

const random = { bytes: (n: number) => crypto.getRandomValues(new Uint8Array(n)) };

function orgKey() {
  const sk = x25519.utils.randomSecretKey();
  const pk = x25519.getPublicKey(sk);
  return { sk, pk, keyId: Buffer.from(sha256(pk).subarray(0, 8)).toString('hex') };
}
function managed(k: { pk: Uint8Array; keyId: string } | null): EffectivePolicy {
  const breakGlass = k ? { recovery: { breakGlass: { orgRecoveryPublicKey: Buffer.from(k.pk).toString('base64url'), keyId: k.keyId, threshold: 2, admins: ['a1', 'a2'] } } } : {};
  return { ...personalPolicy(), managed: true, orgName: 'Acme', policy: { version: 1, org: { name: 'Acme' }, ...breakGlass } };
}
async function vaultWith(policy: () => EffectivePolicy) {
  const h = makeHarness({ extra: { policy } });
  await h.engine.createVault(PASSWORD);
  const meta = (await h.store.readMeta())!;
  const slot = (await h.store.readSlots()).find((s) => s.kind === ORG_RECOVERY_SLOT);
  return { h, vaultId: meta.vaultId, slot };
}
const f = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.of(b.length), b]);
};

describe('the org-recovery slot', () => {
  it('an independent reader following the documented layout recovers VK', async () => {
    const k = orgKey();
    const { vaultId, slot } = await vaultWith(() => managed(k));
    expect(slot).toBeDefined();
    const p = slot!.params as Record<string, string | number>;
    expect(p).toEqual({ alg: 'hpke-x25519-sha256-aes256gcm', v: 1, keyId: k.keyId, enc: expect.any(String), ct: expect.any(String) });
    const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
    const aad = Buffer.concat([Buffer.from('LKOR'), Buffer.of(1), f(vaultId), f(slot!.id), f(k.keyId)]);
    const kek = new Uint8Array(
      await suite.open(
        {
          recipientKey: await suite.kem.importKey('raw', new Uint8Array(k.sk).buffer, false),
          enc: new Uint8Array(Buffer.from(p.enc as string, 'base64url')).buffer,
          info: Buffer.from('latchkey/v1/org-recovery-kek'),
        },
        Buffer.from(p.ct as string, 'base64url'),
        aad,
      ),
    );
    expect(openSlot(vaultId, slot!, kek)).toHaveLength(32);
  });

  it('is bound to its vault, its slot id and its key: moved, flipped or another key does not open', async () => {
    const k = orgKey();
    const { vaultId, slot } = await vaultWith(() => managed(k));
    expect(await openKekWithOrgKey(k.sk, vaultId, slot!)).toHaveLength(32);
    await expectCode(openKekWithOrgKey(k.sk, 'A'.repeat(22), slot!), 'integrity');
    await expectCode(openKekWithOrgKey(k.sk, vaultId, { ...slot!, id: 'B'.repeat(22) }), 'integrity');
    const ct = Buffer.from((slot!.params as { ct: string }).ct, 'base64url');
    ct[3]! ^= 1;
    await expectCode(openKekWithOrgKey(k.sk, vaultId, { ...slot!, params: { ...slot!.params, ct: ct.toString('base64url') } }), 'integrity');
    await expectCode(openKekWithOrgKey(orgKey().sk, vaultId, slot!), 'integrity');
  });

  it('never opens the vault on a device', async () => {
    const k = orgKey();
    const { h } = await vaultWith(() => managed(k));
    h.engine.lock();
    await expectCode(h.engine.unlock(ORG_RECOVERY_SLOT, {}), 'invalid_input');
    await expectCode(h.engine.unlock(ORG_RECOVERY_SLOT, { privateKey: Buffer.from(k.sk).toString('base64url') }), 'invalid_input');
  });

  it('a policy whose keyId is not its key makes no slot, and the failure is audited', async () => {
    const k = orgKey();
    const { h, slot } = await vaultWith(() => managed({ pk: k.pk, keyId: '0000000000000000' }));
    expect(slot).toBeUndefined();
    expect(h.audit.some((e) => e.action === 'slot.add' && e.outcome === 'failure' && e.reason === 'policy_invalid')).toBe(true);
  });

  it('rotation re-makes the slot under the new vault key; the old one is gone', async () => {
    const k = orgKey();
    const { h, vaultId, slot } = await vaultWith(() => managed(k));
    await h.engine.rotateVaultKey({ currentPassword: PASSWORD });
    const after = (await h.store.readSlots()).filter((s) => s.kind === ORG_RECOVERY_SLOT);
    expect(after).toHaveLength(1);
    expect(after[0]!.id).not.toBe(slot!.id);
    const vk = openSlot(vaultId, after[0]!, await openKekWithOrgKey(k.sk, vaultId, after[0]!));
    // The VK it yields is the vault's current one: a code made from it (arriving as by sync) opens the vault.
    const made = sealBreakGlassRecoverySlot({ vaultId, slotId: 'C'.repeat(22), vk, now: Date.now(), keyId: k.keyId, admins: ['a1', 'a2'] }, random);
    expect(made.slot.kind).toBe(RECOVERY_SLOT);
    expect(await h.engine.applyRemoteRecords({ putSlots: [made.slot] })).toEqual({ state: 'applied', refused: [] });
    expect(h.audit.filter((e) => e.action === 'vault.break_glass')).toEqual([
      { action: 'vault.break_glass', actor: { type: 'system' }, target: { slotId: made.slot.id }, outcome: 'success', reason: 'org_recovery' },
    ]);
    h.engine.lock();
    await h.engine.unlockWithRecoveryCode(made.recoveryCode);
  });

  it("a break-glass code's origin is inside the wrap: stripping it makes the slot fail, not a plain code", async () => {
    const k = orgKey();
    const { vaultId, slot } = await vaultWith(() => managed(k));
    const vk = openSlot(vaultId, slot!, await openKekWithOrgKey(k.sk, vaultId, slot!));
    const made = sealBreakGlassRecoverySlot({ vaultId, slotId: 'D'.repeat(22), vk, now: Date.now(), keyId: k.keyId, admins: ['a2', 'a1'] }, random);
    expect(made.slot.params).toMatchObject({ origin: 'org_recovery', keyId: k.keyId, admins: 'a1,a2' });
    const { origin: _o, keyId: _k, admins: _a, ...plain } = made.slot.params as Record<string, string>;
    const body: Omit<SlotRecord, 'digest'> = { ...made.slot, params: plain };
    const stripped: SlotRecord = { ...body, digest: slotDigest(vaultId, body) };
    const kek = deriveKey(parseRecoveryCode(made.recoveryCode), Buffer.from(plain.salt!, 'base64url'), 'recovery-kek');
    expect(openSlot(vaultId, made.slot, kek)).toEqual(vk);
    expect(() => openSlot(vaultId, stripped, kek)).toThrow();
  });

  it('where policy forbids personal recovery codes, the code IT issued by break-glass still opens the vault', async () => {
    const k = orgKey();
    let policy = managed(k);
    const { h, vaultId, slot } = await vaultWith(() => policy);
    const own = await h.engine.regenerateRecoveryCode();
    const vk = openSlot(vaultId, slot!, await openKekWithOrgKey(k.sk, vaultId, slot!));
    const made = sealBreakGlassRecoverySlot({ vaultId, slotId: 'E'.repeat(22), vk, now: Date.now(), keyId: k.keyId, admins: ['a1', 'a2'] }, random);
    await h.engine.applyRemoteRecords({ putSlots: [made.slot] });
    h.engine.lock();
    policy = { ...policy, policy: { ...policy.policy!, unlock: { recoveryCodeAllowed: false } } };
    // The person's own code is not even tried (its slot is forbidden): only the issued one is.
    await expectCode(h.engine.unlockWithRecoveryCode(own), 'wrong_recovery_code');
    await h.engine.unlockWithRecoveryCode(made.recoveryCode);
    expect(await h.engine.breakGlassNotices()).toEqual([{ slotId: made.slot.id, keyId: k.keyId, admins: ['a1', 'a2'], at: made.slot.createdAt }]);
  });

  it('the UI gets the notice over RPC: the breakGlass event when the code arrives, and the list while locked', async () => {
    const k = orgKey();
    const { h, vaultId, slot } = await vaultWith(() => managed(k));
    const { ui, server, close } = engineUiOverChannel(h.engine);
    const unsub = forwardEngineEvents(h.engine, { ui: server });
    try {
      const seen = new Promise((resolve) => ui.on('breakGlass', resolve));
      expect((await ui.call('vault.breakGlassNotices', {})).notices).toEqual([]);
      const vk = openSlot(vaultId, slot!, await openKekWithOrgKey(k.sk, vaultId, slot!));
      const made = sealBreakGlassRecoverySlot({ vaultId, slotId: 'F'.repeat(22), vk, now: 1234, keyId: k.keyId, admins: ['a1', 'a2'] }, random);
      await h.engine.applyRemoteRecords({ putSlots: [made.slot] });
      const notice = { slotId: made.slot.id, keyId: k.keyId, admins: ['a1', 'a2'], at: 1234 };
      expect(await seen).toEqual(notice);
      await ui.call('vault.lock', {});
      expect((await ui.call('vault.breakGlassNotices', {})).notices).toEqual([notice]);
    } finally {
      unsub();
      close();
    }
  });

  it('without the policy there is no slot', async () => {
    const { slot } = await vaultWith(() => managed(null));
    expect(slot).toBeUndefined();
  });
});
