/** Each unlock / KDF field of the policy, at the decision function the engine calls. */
import { describe, expect, it } from 'vitest';
import {
  assertKdfParamsAllowed,
  assertSlotCreationAllowed,
  assertSlotRemovalAllowed,
  assertUnlockMethodAllowed,
  hardwareKeyShortfall,
  kdfFloor,
  kdfMeetsFloor,
  normalizeAaguid,
  personalPolicy,
} from '../../../src/core/policy';
import { BASELINE_ARGON2ID } from '../../../src/shared/policy';
import { caught, managed, forbidden as forbiddenBy } from './helpers';

const YUBI = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const OTHER = '00000000-0000-0000-0000-000000000001';

/** Unlock refusals also name the rule in their message, so the person can tell IT which one. */
function forbidden(fn: () => unknown, rule: string) {
  const err = forbiddenBy(fn, rule);
  expect(err.message).toContain(rule);
  return err;
}

describe('unlock.hardwareKeyRequired', () => {
  const p = managed({ unlock: { hardwareKeyRequired: true, recoveryCodeAllowed: true } });
  it('refuses creating a password slot and unlocking with a password', () => {
    forbidden(() => assertSlotCreationAllowed(p, 'password'), 'unlock.hardwareKeyRequired');
    const err = forbidden(() => assertUnlockMethodAllowed(p, 'password'), 'unlock.hardwareKeyRequired');
    expect(err.message).toMatch(/hardware security key is required/);
  });
  it('allows hardware keys, and the recovery code it leaves open', () => {
    expect(() => assertSlotCreationAllowed(p, 'hardware_key')).not.toThrow();
    expect(() => assertUnlockMethodAllowed(p, 'hardware_key')).not.toThrow();
    expect(() => assertUnlockMethodAllowed(p, 'recovery_code')).not.toThrow();
  });
  it('refuses a slot kind it does not know rather than letting it bypass the rule', () => {
    forbidden(() => assertUnlockMethodAllowed(p, 'remembered_device'), 'unlock.hardwareKeyRequired');
  });
  it('requires at least one enrolled key when no minimum is given', () => {
    expect(hardwareKeyShortfall(p, 0)).toBe(1);
    expect(hardwareKeyShortfall(p, 1)).toBe(0);
  });
});

describe('unlock.passwordAllowed', () => {
  it('false refuses password slots and password unlock without requiring keys', () => {
    const p = managed({ unlock: { passwordAllowed: false } });
    forbidden(() => assertSlotCreationAllowed(p, 'password'), 'unlock.passwordAllowed');
    forbidden(() => assertUnlockMethodAllowed(p, 'password'), 'unlock.passwordAllowed');
    expect(() => assertUnlockMethodAllowed(p, 'recovery_code')).not.toThrow();
  });
});

describe('unlock.recoveryCodeAllowed', () => {
  it('false refuses recovery-code slots and recovery unlock', () => {
    const p = managed({ unlock: { recoveryCodeAllowed: false } });
    forbidden(() => assertSlotCreationAllowed(p, 'recovery_code'), 'unlock.recoveryCodeAllowed');
    forbidden(() => assertUnlockMethodAllowed(p, 'recovery_code'), 'unlock.recoveryCodeAllowed');
    expect(() => assertUnlockMethodAllowed(p, 'password')).not.toThrow();
  });
});

describe('unlock.minEnrolledKeys', () => {
  const p = managed({ unlock: { minEnrolledKeys: 2 } });
  it('refuses removing a key that would leave fewer than the minimum', () => {
    const err = forbidden(() => assertSlotRemovalAllowed(p, 'hardware_key', 1), 'unlock.minEnrolledKeys');
    expect(err.message).toMatch(/at least 2/);
    expect(() => assertSlotRemovalAllowed(p, 'hardware_key', 2)).not.toThrow();
    expect(() => assertSlotRemovalAllowed(p, 'password', 0)).not.toThrow();
  });
  it('reports how many keys are still to be enrolled', () => {
    expect(hardwareKeyShortfall(p, 0)).toBe(2);
    expect(hardwareKeyShortfall(p, 3)).toBe(0);
  });
});

describe('unlock.allowedAaguids', () => {
  const p = managed({ unlock: { allowedAaguids: [YUBI.toUpperCase()] } });
  it('refuses enrolling an unlisted model, or one whose model is unknown', () => {
    forbidden(() => assertSlotCreationAllowed(p, 'hardware_key', { aaguid: OTHER }), 'unlock.allowedAaguids');
    forbidden(() => assertSlotCreationAllowed(p, 'hardware_key', {}), 'unlock.allowedAaguids');
  });
  it('accepts a listed model in any spelling (case, dashes, raw bytes)', () => {
    expect(() => assertSlotCreationAllowed(p, 'hardware_key', { aaguid: YUBI })).not.toThrow();
    expect(() => assertSlotCreationAllowed(p, 'hardware_key', { aaguid: YUBI.replace(/-/g, '') })).not.toThrow();
    const bytes = Uint8Array.from(Buffer.from(YUBI.replace(/-/g, ''), 'hex'));
    expect(() => assertSlotCreationAllowed(p, 'hardware_key', { aaguid: bytes })).not.toThrow();
  });
  it('refuses unlocking with a slot that recorded an unlisted model', () => {
    forbidden(() => assertUnlockMethodAllowed(p, 'hardware_key', { aaguid: OTHER }), 'unlock.allowedAaguids');
  });
  it('normalizeAaguid rejects malformed ids', () => {
    expect(normalizeAaguid('xyz')).toBeNull();
    expect(normalizeAaguid(new Uint8Array(15))).toBeNull();
  });
});

describe('unlock.userVerificationRequired', () => {
  const p = managed({ unlock: { userVerificationRequired: true } });
  it('refuses enrolling or unlocking with the non-UV hmac secret', () => {
    forbidden(() => assertSlotCreationAllowed(p, 'hardware_key', { userVerification: false }), 'unlock.userVerificationRequired');
    forbidden(() => assertUnlockMethodAllowed(p, 'hardware_key', {}), 'unlock.userVerificationRequired');
    expect(() => assertUnlockMethodAllowed(p, 'hardware_key', { userVerification: true })).not.toThrow();
  });
});

describe('kdf.argon2idFloor', () => {
  const floor = { memoryKiB: 256 * 1024, iterations: 4, parallelism: 2 };
  const p = managed({ kdf: { argon2idFloor: floor } });
  it('raises the parameters new password slots must use', () => {
    expect(kdfFloor(p)).toEqual(floor);
  });
  it('refuses a password slot below the floor with policy_forbidden, and accepts one at it', () => {
    forbidden(() => assertKdfParamsAllowed(p, { ...floor, memoryKiB: 128 * 1024 }), 'kdf.argon2idFloor');
    forbidden(() => assertKdfParamsAllowed(p, { ...floor, iterations: 3 }), 'kdf.argon2idFloor');
    expect(() => assertKdfParamsAllowed(p, floor)).not.toThrow();
    expect(kdfMeetsFloor(p, { ...floor, parallelism: 1 })).toBe(false);
  });
  it('never goes below the app baseline, even if the policy floor is lower', () => {
    const weak = managed({ kdf: { argon2idFloor: { memoryKiB: 8192, iterations: 1, parallelism: 1 } } });
    expect(kdfFloor(weak)).toEqual(BASELINE_ARGON2ID);
    const err = caught(() => assertKdfParamsAllowed(weak, { memoryKiB: 16384, iterations: 3, parallelism: 1 }));
    expect(err.code).toBe('kdf_too_weak');
  });
});

describe('without a managed policy', () => {
  const p = personalPolicy();
  it('every unlock method and slot is allowed and the baseline KDF applies', () => {
    for (const kind of ['password', 'recovery_code', 'hardware_key', 'something_new']) {
      expect(() => assertSlotCreationAllowed(p, kind)).not.toThrow();
      expect(() => assertUnlockMethodAllowed(p, kind)).not.toThrow();
    }
    expect(hardwareKeyShortfall(p, 0)).toBe(0);
    expect(kdfFloor(p)).toEqual(BASELINE_ARGON2ID);
  });
});
