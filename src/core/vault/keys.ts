/**
 * The vault key schedule. VK (32 random bytes) is never used directly as a cipher
 * key: each use gets its own HKDF-SHA256 subkey (salt = vault id, info =
 * "latchkey/v1/<use>"), so a rotation of VK changes every one of them.
 */
import { deriveKey } from '../crypto/hkdf';
import { utf8ToBytes, wipe } from '../crypto/bytes';

export interface VaultKeys {
  readonly vk: Uint8Array;
  /** Seals per-item keys (AAD part 'key'). */
  readonly itemWrap: Uint8Array;
  /** Seals overview pages. */
  readonly page: Uint8Array;
  /** Seals the settings record. */
  readonly settings: Uint8Array;
  /** MACs the vault head (head.ts). */
  readonly head: Uint8Array;
}

export function deriveVaultKeys(vk: Uint8Array, vaultId: string): VaultKeys {
  const salt = utf8ToBytes(vaultId);
  return {
    vk,
    itemWrap: deriveKey(vk, salt, 'item-wrap'),
    page: deriveKey(vk, salt, 'overview-pages'),
    settings: deriveKey(vk, salt, 'settings'),
    head: deriveKey(vk, salt, 'vault-head'),
  };
}

export function wipeVaultKeys(k: VaultKeys): void {
  wipe(k.vk, k.itemWrap, k.page, k.settings, k.head);
}
