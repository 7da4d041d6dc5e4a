/**
 * The OS keychain, as main sees it: one secret string per account, all under the
 * service name "Latchkey". Holds device-local secrets (the device identity key,
 * server session data) — never the vault key unless policy allows "remember on this
 * device". Implementations: keychain.keytar.ts (real OS keychain), keychain.memory.ts
 * (tests and preview mode).
 */
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';

export const KEYCHAIN_SERVICE = 'Latchkey';

/** Account names are identifiers, not data: restricted so they cannot smuggle anything. */
export const keychainAccountSchema = z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/, 'keychain account name');

/** Secrets are strings (keytar's unit); binary secrets are stored base64url-encoded. */
export const keychainSecretSchema = z
  .string()
  .min(1)
  .max(16 * 1024);

export interface Keychain {
  /** The secret stored for `account`, or null when there is none. */
  get(account: string): Promise<string | null>;
  /** Stores (or replaces) the secret for `account`. */
  set(account: string, secret: string): Promise<void>;
  /** Removes the secret; true when one existed. */
  delete(account: string): Promise<boolean>;
}

export function checkAccount(account: string): string {
  const r = keychainAccountSchema.safeParse(account);
  if (!r.success) throw new LatchkeyError('invalid_input', 'Keychain account names may use letters, digits and . _ : @ - (1 to 128 characters).');
  return r.data;
}

export function checkSecret(secret: string): string {
  // Never echo the value: it is the secret.
  if (!keychainSecretSchema.safeParse(secret).success) throw new LatchkeyError('invalid_input', 'A keychain secret must be a non-empty string of at most 16 KiB.');
  return secret;
}
