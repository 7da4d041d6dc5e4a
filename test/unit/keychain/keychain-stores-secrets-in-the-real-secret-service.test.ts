/**
 * Runs against the REAL OS keychain (freedesktop Secret Service). `npm test` runs
 * vitest inside a private D-Bus session with an unlocked gnome-keyring
 * (scripts/test.sh), so this runs there; elsewhere it is skipped with the reason.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LatchkeyError } from '../../../src/shared/errors';
import type { Keychain } from '../../../src/main/keychain/keychain';
import { createKeytarKeychain } from '../../../src/main/keychain/keychain.keytar';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';

/** A service name of its own so the test never touches real "Latchkey" entries. */
const SERVICE = `Latchkey-test-${randomBytes(6).toString('hex')}`;

async function probeSecretService(): Promise<{ keychain?: Keychain; reason?: string }> {
  if (process.platform === 'linux' && process.env.DBUS_SESSION_BUS_ADDRESS === undefined) {
    return { reason: 'no D-Bus session (run `npm test`, which starts one with an unlocked gnome-keyring)' };
  }
  try {
    const keychain = await createKeytarKeychain({ service: SERVICE });
    // Without a Secret Service, libsecret can wait on D-Bus activation: bound the probe.
    const probe = keychain.get('probe');
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error('Secret Service did not answer within 10 s')), 10_000).unref();
    });
    await Promise.race([probe, timeout]);
    return { keychain };
  } catch (err) {
    return { reason: `Secret Service unreachable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

const probe = await probeSecretService();
const real = probe.keychain;
if (real === undefined) console.warn(`[keychain] skipping the real Secret Service test: ${probe.reason ?? ''}`);

function behavesLikeAKeychain(make: () => Keychain) {
  it('stores, reads back, replaces and deletes a secret; missing accounts read as null', async () => {
    const kc = make();
    const account = `device-key-${randomBytes(4).toString('hex')}`;
    const secret = randomBytes(32).toString('base64url');
    expect(await kc.get(account)).toBeNull();
    await kc.set(account, secret);
    expect(await kc.get(account)).toBe(secret);
    await kc.set(account, 'replaced');
    expect(await kc.get(account)).toBe('replaced');
    expect(await kc.delete(account)).toBe(true);
    expect(await kc.get(account)).toBeNull();
    expect(await kc.delete(account)).toBe(false);
  });

  it('refuses account names that are not identifiers and empty secrets, without echoing them', async () => {
    const kc = make();
    for (const bad of ['', 'a b', 'x'.repeat(129), '../etc', 'név']) {
      await expect(kc.get(bad)).rejects.toMatchObject({ code: 'invalid_input' });
    }
    const err = await kc.set('ok', '').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LatchkeyError);
    expect((err as LatchkeyError).code).toBe('invalid_input');
  });
}

describe.skipIf(real === undefined)(`OS keychain via keytar against the real Secret Service${real === undefined ? ` (skipped: ${probe.reason ?? ''})` : ''}`, () => {
  behavesLikeAKeychain(() => real as Keychain);

  it('keeps entries of different accounts apart', async () => {
    const kc = real as Keychain;
    await kc.set('acct-a', 'alpha');
    await kc.set('acct-b', 'beta');
    expect(await kc.get('acct-a')).toBe('alpha');
    expect(await kc.get('acct-b')).toBe('beta');
    await kc.delete('acct-a');
    await kc.delete('acct-b');
  });
});

describe('in-memory keychain (tests, preview)', () => {
  behavesLikeAKeychain(createMemoryKeychain);
});
