/**
 * The policy rollback floor in the REAL OS keychain (freedesktop Secret Service through
 * keytar, inside the D-Bus session with gnome-keyring that `npm test` starts): a second
 * PolicyService, as after a restart, refuses the older policy the first one never saw.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeytarKeychain } from '../../../src/main/keychain/keychain.keytar';
import type { Keychain } from '../../../src/main/keychain/keychain';
import { keychainPolicySerials, PolicyService, policySerialAccount } from '../../../src/main/policy';
import { basePolicy, orgKeys, signedText, tempDirs } from '../policy/helpers';

const SERVICE = `Latchkey-test-${randomBytes(6).toString('hex')}`;

async function realKeychain(): Promise<{ keychain?: Keychain; reason?: string }> {
  if (process.platform === 'linux' && process.env.DBUS_SESSION_BUS_ADDRESS === undefined) {
    return { reason: 'no D-Bus session (run `npm test`, which starts one with an unlocked gnome-keyring)' };
  }
  try {
    const keychain = await createKeytarKeychain({ service: SERVICE });
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error('Secret Service did not answer within 10 s')), 10_000).unref();
    });
    await Promise.race([keychain.get('probe'), timeout]);
    return { keychain };
  } catch (err) {
    return { reason: `Secret Service unreachable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

const probe = await realKeychain();
const real = probe.keychain;
if (real === undefined) console.warn(`[keychain] skipping the real Secret Service policy-serial test: ${probe.reason ?? ''}`);
const account = policySerialAccount(Buffer.from(orgKeys.publicKey.publicKey, 'base64url'), 'os');
afterAll(async () => {
  await real?.delete(account);
});

describe.skipIf(real === undefined)('policy serials in the real Secret Service', () => {
  it('serial 12 applied by one service; after a "restart" serial 11 is refused, naming both', async () => {
    const d = await tempDirs();
    try {
      const start = async (policy: object) => {
        await writeFile(d.osPolicyPath, signedText(policy));
        const s = new PolicyService({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, watch: false, serials: keychainPolicySerials(real!) });
        try {
          return await s.start();
        } finally {
          s.close();
        }
      };
      expect((await start({ ...basePolicy, serial: 12 })).status).toBe('ok');
      expect(await real!.get(account)).toBe('12');
      const refused = await start({ ...basePolicy, serial: 11 });
      expect(refused.status).toBe('invalid');
      if (refused.status === 'invalid') expect(refused.error.message).toMatch(/serial 11.*serial 12/);
    } finally {
      await d.cleanup();
    }
  });
});
