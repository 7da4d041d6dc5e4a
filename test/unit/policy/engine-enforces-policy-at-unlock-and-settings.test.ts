/**
 * The real engine (Dexie on fake-indexeddb, real argon2id at test cost) enforces the
 * org policy at its own decision points, and follows a policy that changes at runtime.
 */
import { describe, expect, it } from 'vitest';
import { personalPolicy } from '../../../src/core/policy';
import type { EffectivePolicy } from '../../../src/shared/policy';
import { PASSWORD, makeHarness } from '../core/helpers';
import { managed } from './helpers';

function harness(extra: { lastAuditUploadAt?: () => number | null } = {}) {
  let current: EffectivePolicy = personalPolicy();
  const h = makeHarness({ extra: { policy: () => current, ...extra } });
  return {
    h,
    setPolicy: (p: EffectivePolicy) => {
      current = p;
    },
  };
}

describe('engine + policy', () => {
  it('"hardware key required" refuses password unlock (recorded as refused), while the recovery code it allows still works', async () => {
    const { h, setPolicy } = harness();
    const { recoveryCode } = await h.engine.createVault(PASSWORD);
    h.engine.lock();
    setPolicy(managed({ unlock: { hardwareKeyRequired: true, recoveryCodeAllowed: true } }));
    await expect(h.engine.unlockWithPassword(PASSWORD)).rejects.toMatchObject({ code: 'policy_forbidden', details: { rule: 'unlock.hardwareKeyRequired' } });
    expect(h.audit.at(-1)).toMatchObject({ action: 'vault.unlock', outcome: 'failure', reason: 'policy_forbidden' });
    await expect(h.engine.unlockWithRecoveryCode(recoveryCode)).resolves.toMatchObject({ vaultId: expect.any(String) });
  });

  it('"password not allowed" refuses adding a password slot; "recovery code not allowed" refuses a new code', async () => {
    const { h, setPolicy } = harness();
    await h.engine.createVault(PASSWORD);
    setPolicy(managed({ unlock: { passwordAllowed: false, recoveryCodeAllowed: false } }));
    await expect(h.engine.addSlot('password', { password: 'another password 123' })).rejects.toMatchObject({
      code: 'policy_forbidden',
      details: { rule: 'unlock.passwordAllowed' },
    });
    await expect(h.engine.regenerateRecoveryCode()).rejects.toMatchObject({ code: 'policy_forbidden', details: { rule: 'unlock.recoveryCodeAllowed' } });
  });

  it('"audit upload required" blocks unlock when the last upload is older than the interval, with a clear message', async () => {
    let last: number | null = null;
    const { h, setPolicy } = harness({ lastAuditUploadAt: () => last });
    await h.engine.createVault(PASSWORD);
    h.engine.lock();
    setPolicy(managed({ audit: { uploadRequired: true, uploadIntervalMinutes: 60 } }));
    last = h.clock.t - 2 * 60 * 60_000;
    await expect(h.engine.unlockWithPassword(PASSWORD)).rejects.toMatchObject({
      code: 'policy_forbidden',
      details: { rule: 'audit.uploadRequired' },
      message: expect.stringMatching(/at least every 60 minutes/),
    });
    last = h.clock.t - 5 * 60_000;
    await expect(h.engine.unlockWithPassword(PASSWORD)).resolves.toBeTruthy();
  });

  it('"auto-lock minutes" is a maximum: a personal "never" still locks after the policy time, and cannot be set', async () => {
    const { h, setPolicy } = harness();
    await h.engine.createVault(PASSWORD);
    await h.engine.updateSettings({ autoLockMinutes: 0 });
    setPolicy(managed({ session: { autoLockMinutes: 10 } }));
    h.engine.touch();
    h.timer.advance(9 * 60_000);
    expect(h.engine.isUnlocked()).toBe(true);
    h.timer.advance(2 * 60_000);
    expect(h.engine.isUnlocked()).toBe(false);

    await h.engine.unlockWithPassword(PASSWORD);
    await expect(h.engine.updateSettings({ autoLockMinutes: 0 })).rejects.toMatchObject({ code: 'policy_forbidden', details: { rule: 'session.autoLockMinutes' } });
    await expect(h.engine.updateSettings({ autoLockMinutes: 5 })).resolves.toMatchObject({ autoLockMinutes: 5 });
  });

  it('"argon2id floor": a new password slot is made at the org floor (recorded in the slot)', async () => {
    const floor = { memoryKiB: 64 * 1024, iterations: 4, parallelism: 1 };
    const h = makeHarness({ extra: { allowWeakKdfForTesting: false, passwordKdf: undefined, policy: () => managed({ kdf: { argon2idFloor: floor } }) } });
    await h.engine.createVault(PASSWORD);
    const pw = (await h.store.readSlots()).find((s) => s.kind === 'password')!;
    expect(pw.params).toMatchObject({ m: floor.memoryKiB, t: 4, p: 1 });
  });

  it('no policy: the engine behaves as before (password unlock, never auto-lock allowed)', async () => {
    const { h } = harness();
    await h.engine.createVault(PASSWORD);
    await expect(h.engine.updateSettings({ autoLockMinutes: 0 })).resolves.toMatchObject({ autoLockMinutes: 0 });
    h.engine.lock();
    await expect(h.engine.unlockWithPassword(PASSWORD)).resolves.toBeTruthy();
  });
});
