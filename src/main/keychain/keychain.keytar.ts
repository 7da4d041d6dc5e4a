/**
 * The OS keychain through keytar: macOS Keychain, Windows Credential Manager, and the
 * freedesktop Secret Service (gnome-keyring, KWallet) on Linux. keytar is a native
 * module, loaded on first use so that merely importing main's services (e.g. in the
 * preview server) does not require it.
 */
import { LatchkeyError } from '../../shared/errors';
import { checkAccount, checkSecret, KEYCHAIN_SERVICE, type Keychain } from './keychain';

interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export interface KeytarKeychainOptions {
  /** Defaults to "Latchkey"; tests may use their own to stay out of the real entries. */
  service?: string;
}

function unavailable(cause: unknown): LatchkeyError {
  // keytar's messages come from the OS and name no secret, but keep ours stable.
  return new LatchkeyError(
    'unsupported',
    'The OS keychain is not reachable. On Linux, a Secret Service (gnome-keyring or KWallet) must be running and unlocked.',
    { component: 'keychain' },
    { cause },
  );
}

let keytarPromise: Promise<KeytarApi> | undefined;
function loadKeytar(): Promise<KeytarApi> {
  keytarPromise ??= import('keytar').then((m) => (m.default ?? m) as KeytarApi);
  return keytarPromise;
}

export async function createKeytarKeychain(opts: KeytarKeychainOptions = {}): Promise<Keychain> {
  const service = opts.service ?? KEYCHAIN_SERVICE;
  let keytar: KeytarApi;
  try {
    keytar = await loadKeytar();
  } catch (err) {
    throw unavailable(err);
  }
  const guard = async <T>(op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (err) {
      if (err instanceof LatchkeyError) throw err;
      throw unavailable(err);
    }
  };
  return {
    get: async (account) => {
      const a = checkAccount(account);
      return guard(() => keytar.getPassword(service, a));
    },
    set: async (account, secret) => {
      const a = checkAccount(account);
      const s = checkSecret(secret);
      return guard(() => keytar.setPassword(service, a, s));
    },
    delete: async (account) => {
      const a = checkAccount(account);
      return guard(() => keytar.deletePassword(service, a));
    },
  };
}
