/**
 * Agent bearer tokens. A token is 32 random bytes, base64url, prefixed `lkat_` so secret
 * scanners recognise it. Main stores only HMAC-SHA256(tokenKey, token): the per-install
 * tokenKey lives in the OS keychain, so a copy of the gateway's state file alone does not
 * let anyone test guesses offline. Verification compares against EVERY stored hash in
 * constant time and never stops early, so timing tells nothing about which agent (or
 * how much of a hash) matched.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Keychain } from '../keychain/keychain';

export const TOKEN_PREFIX = 'lkat_';
const TOKEN_RE = /^lkat_[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  const raw = randomBytes(32);
  const token = TOKEN_PREFIX + raw.toString('base64url');
  raw.fill(0);
  return token;
}

export function looksLikeToken(value: string): boolean {
  return TOKEN_RE.test(value);
}

/** Hex HMAC-SHA256 of the token under the install's key. */
export function hashToken(tokenKey: Uint8Array, token: string): string {
  return createHmac('sha256', tokenKey).update(token, 'utf8').digest('hex');
}

/** Index of the entry whose hash matches, or -1. Constant time in the number of entries. */
export function findTokenHash(tokenKey: Uint8Array, token: string, hashes: readonly string[]): number {
  // A malformed token is still hashed and compared, so its timing matches a wrong one.
  const candidate = Buffer.from(hashToken(tokenKey, token), 'hex');
  let found = -1;
  for (let i = 0; i < hashes.length; i++) {
    const stored = Buffer.from(hashes[i]!, 'hex');
    const same = stored.length === candidate.length && timingSafeEqual(stored, candidate);
    if (same && found === -1) found = i;
  }
  return looksLikeToken(token) ? found : -1;
}

const KEYCHAIN_ACCOUNT = 'gateway.token-key';

/** The per-install token key from the OS keychain, created on first use. */
export async function loadOrCreateTokenKey(keychain: Keychain): Promise<Uint8Array> {
  const stored = await keychain.get(KEYCHAIN_ACCOUNT);
  if (stored !== null && /^[A-Za-z0-9_-]{43}$/.test(stored)) return new Uint8Array(Buffer.from(stored, 'base64url'));
  const key = randomBytes(32);
  await keychain.set(KEYCHAIN_ACCOUNT, key.toString('base64url'));
  return new Uint8Array(key);
}
