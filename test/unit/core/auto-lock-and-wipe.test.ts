/**
 * Auto-lock after idle (injected clock and timer) and lock wiping key material.
 */
import { describe, expect, it } from 'vitest';
import { createWebCryptoRandom } from '../../../src/core/crypto/random.browser';
import type { EngineEvent } from '../../../src/core';
import { expectCode, loginDraft, makeHarness, ManualClock, PASSWORD } from './helpers';

describe('auto-lock', () => {
  it('locks after the configured idle minutes; activity postpones it', async () => {
    const h = makeHarness();
    const events: EngineEvent[] = [];
    h.engine.subscribe((e) => events.push(e));
    await h.engine.createVault(PASSWORD);
    await h.engine.updateSettings({ autoLockMinutes: 5 });
    h.timer.advance(4 * 60_000);
    expect(h.engine.isUnlocked()).toBe(true);
    h.engine.touch();
    h.timer.advance(4 * 60_000);
    expect(h.engine.isUnlocked()).toBe(true);
    // Work that is not the person's (main's credential listing) does not count as activity.
    h.engine.listCredentials();
    h.timer.advance(60_000 + 1);
    expect(events.at(-1)).toEqual({ type: 'locked', reason: 'idle' });
    expect(h.audit.at(-1)).toMatchObject({ action: 'vault.lock', actor: { type: 'system' }, reason: 'idle' });
    await expectCode(
      Promise.resolve().then(() => h.engine.listItems()),
      'vault_locked',
    );
  });

  it('without a timer, the next call after the idle period finds the vault locked', async () => {
    const clock = new ManualClock();
    const h = makeHarness({ clock, extra: { timer: undefined } });
    await h.engine.createVault(PASSWORD);
    clock.t += 15 * 60_000;
    await expectCode(h.engine.createItem(loginDraft()), 'vault_locked');
    expect((await h.engine.status()).state).toBe('locked');
  });

  it('autoLockMinutes 0 never locks; the setting survives a reopen', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    await h.engine.updateSettings({ autoLockMinutes: 0 });
    h.timer.advance(48 * 3600_000);
    expect(h.engine.isUnlocked()).toBe(true);
    const h2 = h.reopen();
    await h2.engine.unlockWithPassword(PASSWORD);
    expect(h2.engine.getSettings()).toEqual({ autoLockMinutes: 0 });
  });
});

describe('lock wipes key material', () => {
  it('zeroes VK and every item key the engine drew from the random source', async () => {
    const real = createWebCryptoRandom();
    const keys: Uint8Array[] = [];
    const random = {
      bytes: (n: number) => {
        const b = real.bytes(n);
        if (n === 32) keys.push(b);
        return b;
      },
    };
    const h = makeHarness({ extra: { random } });
    await h.engine.createVault(PASSWORD);
    await h.engine.createItem(loginDraft());
    await h.engine.revealField(h.engine.listItems()[0]!.id, 'password', 'reveal');
    expect(keys.length).toBeGreaterThanOrEqual(2); // VK and one item key
    // Item keys are wiped as soon as they are sealed; VK is held until lock.
    expect(keys.filter((k) => k.some((b) => b !== 0))).toHaveLength(1);
    h.engine.lock();
    expect(keys.every((k) => k.every((b) => b === 0))).toBe(true);
  });
});
