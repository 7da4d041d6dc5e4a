/**
 * An in-process keychain for tests and preview mode. Nothing persists: the preview
 * server runs in a browser tab on a machine that may have no OS keychain.
 */
import { checkAccount, checkSecret, type Keychain } from './keychain';

export function createMemoryKeychain(): Keychain {
  const store = new Map<string, string>();
  return {
    async get(account) {
      return store.get(checkAccount(account)) ?? null;
    },
    async set(account, secret) {
      store.set(checkAccount(account), checkSecret(secret));
    },
    async delete(account) {
      return store.delete(checkAccount(account));
    },
  };
}
