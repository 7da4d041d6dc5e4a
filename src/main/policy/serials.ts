/**
 * Rollback memory: the highest policy serial this device has applied, per org key and
 * per source (the build's policy and the OS file are separate documents with separate
 * serials), kept in the OS keychain so a person who kept yesterday's weaker signed
 * file cannot put it back. Account: `policy-serial.<source>.<hex SHA-256 of the raw
 * 32-byte org public key>`; value: the serial in decimal. See docs/policy.md "Serial".
 */
import { createHash } from 'node:crypto';
import { LatchkeyError } from '../../shared/errors';
import type { PolicySourceKind } from '../../shared/policy';
import type { Keychain } from '../keychain/keychain';

export interface PolicySerialStore {
  /** The highest serial applied from this key and source; 0 when none was ever recorded. */
  highest(orgPublicKey: Uint8Array, source: PolicySourceKind): Promise<number>;
  /** Records `serial` as applied (callers only ever raise it). */
  remember(orgPublicKey: Uint8Array, source: PolicySourceKind, serial: number): Promise<void>;
}

export function policySerialAccount(orgPublicKey: Uint8Array, source: PolicySourceKind): string {
  return `policy-serial.${source}.${createHash('sha256').update(orgPublicKey).digest('hex')}`;
}

const STORED = /^[1-9][0-9]{0,15}$/;

export function keychainPolicySerials(keychain: Keychain): PolicySerialStore {
  return {
    async highest(key, source) {
      const text = await keychain.get(policySerialAccount(key, source));
      if (text === null) return 0;
      const n = Number(text);
      // A damaged record must not read as "nothing seen": that would re-open the rollback.
      if (!STORED.test(text) || !Number.isSafeInteger(n)) {
        throw new LatchkeyError('integrity', 'The record of the last applied policy serial in the OS keychain is damaged.');
      }
      return n;
    },
    async remember(key, source, serial) {
      if (!Number.isSafeInteger(serial) || serial < 1) throw new LatchkeyError('invalid_input', 'A policy serial is a positive whole number.');
      await keychain.set(policySerialAccount(key, source), String(serial));
    },
  };
}

/**
 * Serials remembered in this process only: rollback protection ends when it exits.
 * For what has no device to protect (build-time verification, tests, benches); the app
 * and the preview use keychainPolicySerials.
 */
export function inMemoryPolicySerials(): PolicySerialStore {
  const seen = new Map<string, number>();
  return {
    highest: (key, source) => Promise.resolve(seen.get(policySerialAccount(key, source)) ?? 0),
    remember(key, source, serial) {
      if (!Number.isSafeInteger(serial) || serial < 1) return Promise.reject(new LatchkeyError('invalid_input', 'A policy serial is a positive whole number.'));
      seen.set(policySerialAccount(key, source), serial);
      return Promise.resolve();
    },
  };
}
