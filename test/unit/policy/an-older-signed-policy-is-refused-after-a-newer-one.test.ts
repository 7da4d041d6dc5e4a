/**
 * Rollback: once a device applied policy serial N from an org key, a validly signed
 * policy with a lower serial (or none) is refused, fail closed, naming both serials —
 * through the real PolicyService and loader, with the keychain seam the app uses (the
 * memory keychain enforces the same account and secret rules as keytar's adapter).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertExportAllowed } from '../../../src/core/policy';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import type { Keychain } from '../../../src/main/keychain/keychain';
import { inMemoryPolicySerials, keychainPolicySerials, loadPolicyState, PolicyService, policySerialAccount } from '../../../src/main/policy';
import type { PolicySourcesOptions } from '../../../src/main/policy/loader';
import { LatchkeyError } from '../../../src/shared/errors';
import { basePolicy, caught, orgKeys, otherKeys, signedText, signRaw, tempDirs, type TempDirs } from './helpers';

const orgPub = Buffer.from(orgKeys.publicKey.publicKey, 'base64url');

let d: TempDirs;
let keychain: Keychain;
beforeEach(async () => {
  d = await tempDirs();
  keychain = createMemoryKeychain();
});
afterEach(() => d.cleanup());

async function serviceState(policyText: string) {
  await writeFile(d.osPolicyPath, policyText);
  const service = new PolicyService({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, watch: false, serials: keychainPolicySerials(keychain) });
  try {
    const state = await service.start();
    return { state, current: () => service.current() };
  } finally {
    service.close();
  }
}

describe('a device refuses a policy older than one it applied', () => {
  it('serial 7 applied, then the weaker serial 6 put back: invalid, both serials named, current() refuses', async () => {
    const strict = await serviceState(signedText({ ...basePolicy, serial: 7, export: { allowed: false } }));
    expect(strict.state.status).toBe('ok');
    expect(await keychain.get(policySerialAccount(orgPub, 'os'))).toBe('7');

    const rolledBack = await serviceState(signedText({ ...basePolicy, serial: 6, export: { allowed: true } }));
    expect(rolledBack.state.status).toBe('invalid');
    const err = caught(() => rolledBack.current());
    expect(err.code).toBe('policy_invalid');
    expect(err.details).toMatchObject({ reason: 'rolled_back', file: d.osPolicyPath });
    expect(err.message).toContain('serial 6');
    expect(err.message).toContain('serial 7');
    expect(err.message).toContain('will not open the vault');
    // The refused file did not lower what the device remembers.
    expect(await keychain.get(policySerialAccount(orgPub, 'os'))).toBe('7');
  });

  it('a policy without a serial is refused once a serialled one was applied', async () => {
    expect((await serviceState(signedText({ ...basePolicy, serial: 3 }))).state.status).toBe('ok');
    const none = await serviceState(signedText({ ...basePolicy }));
    expect(none.state.status).toBe('invalid');
    expect(caught(() => none.current()).message).toMatch(/serial 0 \(none\).*serial 3/);
  });

  it('the same serial again, and a higher one, are accepted; the higher one becomes the floor', async () => {
    expect((await serviceState(signedText({ ...basePolicy, serial: 4 }))).state.status).toBe('ok');
    expect((await serviceState(signedText({ ...basePolicy, serial: 4 }))).state.status).toBe('ok');
    const newer = await serviceState(signedText({ ...basePolicy, serial: 9, export: { allowed: false } }));
    expect(newer.state.status).toBe('ok');
    expect(caught(() => assertExportAllowed(newer.current())).code).toBe('policy_forbidden');
    expect(await keychain.get(policySerialAccount(orgPub, 'os'))).toBe('9');
    expect((await serviceState(signedText({ ...basePolicy, serial: 8 }))).state.status).toBe('invalid');
  });

  it('a device that never saw a serial accepts a policy without one (serial 0) and records nothing', async () => {
    expect((await serviceState(signedText({ ...basePolicy }))).state.status).toBe('ok');
    expect(await keychain.get(policySerialAccount(orgPub, 'os'))).toBeNull();
  });

  it('serials are per org key: a new org key starts from nothing', async () => {
    await keychain.set(policySerialAccount(Buffer.from(otherKeys.publicKey.publicKey, 'base64url'), 'os'), '50');
    expect((await serviceState(signedText({ ...basePolicy, serial: 2 }))).state.status).toBe('ok');
  });

  it('serials are per source: the baked policy and the OS file are remembered apart', async () => {
    await writeFile(path.join(d.managedDir, 'policy.json'), signedText({ ...basePolicy, serial: 20 }));
    expect((await serviceState(signedText({ ...basePolicy, serial: 5 }))).state.status).toBe('ok');
    expect(await keychain.get(policySerialAccount(orgPub, 'build'))).toBe('20');
    expect(await keychain.get(policySerialAccount(orgPub, 'os'))).toBe('5');
    await writeFile(path.join(d.managedDir, 'policy.json'), signedText({ ...basePolicy, serial: 19 }));
    const r = await serviceState(signedText({ ...basePolicy, serial: 5 }));
    expect(r.state.status).toBe('invalid');
    expect(caught(() => r.current()).message).toContain(path.join(d.managedDir, 'policy.json'));
  });

  it('a damaged serial record in the keychain fails closed instead of reading as "never seen"', async () => {
    await keychain.set(policySerialAccount(orgPub, 'os'), 'seven');
    const r = await serviceState(signedText({ ...basePolicy, serial: 1 }));
    expect(r.state.status).toBe('invalid');
    expect(caught(() => r.current()).details).toMatchObject({ reason: 'rollback_unchecked' });
  });

  it('a keychain that cannot be read or written fails closed, saying so', async () => {
    const broken: Keychain = {
      get: async () => {
        throw new LatchkeyError('unsupported', 'The OS keychain is not reachable.');
      },
      set: async () => {
        throw new LatchkeyError('unsupported', 'The OS keychain is not reachable.');
      },
      delete: async () => false,
    };
    await writeFile(d.osPolicyPath, signedText({ ...basePolicy, serial: 1 }));
    const state = await loadPolicyState({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, serials: keychainPolicySerials(broken) });
    expect(state.status).toBe('invalid');
    if (state.status === 'invalid') expect(state.error.message).toContain('OS keychain');

    const unwritable: Keychain = { ...createMemoryKeychain(), set: broken.set };
    const s2 = await loadPolicyState({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, serials: keychainPolicySerials(unwritable) });
    expect(s2.status).toBe('invalid');
    if (s2.status === 'invalid') expect(s2.error.message).toContain('cannot record');
  });

  it('the serial is signed: editing it in a signed file breaks the signature', async () => {
    const env = JSON.parse(signedText({ ...basePolicy, serial: 2 }));
    env.policy.serial = 99;
    const r = await serviceState(JSON.stringify(env));
    expect(r.state.status).toBe('invalid');
    expect(caught(() => r.current()).details).toMatchObject({ reason: 'bad_signature' });
    expect(await keychain.get(policySerialAccount(orgPub, 'os'))).toBeNull();
  });

  it('a serial that is not a positive whole number is refused by the schema', async () => {
    for (const serial of [0, -1, 1.5, '3', 2 ** 53]) {
      // Validly signed (signRaw skips signPolicy's schema check): the device's parse must refuse it.
      const r = await serviceState(signRaw({ ...basePolicy, serial }));
      expect(r.state.status).toBe('invalid');
      expect(caught(() => r.current()).details).toMatchObject({ reason: 'invalid' });
    }
  });
});

describe('the serial store is not optional', () => {
  it('a composition that leaves it out does not type-check (tsc checks this file)', () => {
    // @ts-expect-error serials is required: forgetting it must not silently turn rollback protection off
    const forgot: PolicySourcesOptions = { managedDir: null, osPolicyPath: null };
    expect(forgot).not.toHaveProperty('serials');
  });

  it('the explicit in-memory store still refuses a rollback within its process', async () => {
    const serials = inMemoryPolicySerials();
    await writeFile(d.osPolicyPath, signedText({ ...basePolicy, serial: 5 }));
    expect((await loadPolicyState({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, serials })).status).toBe('ok');
    await writeFile(d.osPolicyPath, signedText({ ...basePolicy, serial: 4 }));
    const back = await loadPolicyState({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, serials });
    expect(back).toMatchObject({ status: 'invalid', error: { code: 'policy_invalid', details: { reason: 'rolled_back' } } });
    // A fresh one remembers nothing: that is what its name says.
    expect((await loadPolicyState({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, serials: inMemoryPolicySerials() })).status).toBe('ok');
  });
});
