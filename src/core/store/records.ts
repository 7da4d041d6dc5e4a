/**
 * The records a vault is stored as (docs/vault-format.md §3). The store keeps them as
 * structured-clone objects (IndexedDB); dumps carry them as JSON with bytes in
 * base64url (dump.ts). Every byte that matters is either inside an AEAD envelope or
 * bound into one's AAD, or covered by a slot's digest.
 */
/** Storage format of the records below (not the Dexie schema version). */
/**
 * 2: adds the authenticated vault head (records.ts HeadRecord, vault/head.ts).
 * 3: head layout 2 (item lists per page; page digest over header, nonce and tag);
 *    a format-2 vault is migrated at its first unlock (vault/head-v1.ts).
 */
export const VAULT_FORMAT_VERSION = 3;

/** Overview pages: an item belongs to page = index of its id's first base64url character. */
export const PAGE_COUNT = 64;

export interface MetaRecord {
  readonly key: 'vault';
  readonly formatVersion: number;
  readonly vaultId: string;
  readonly createdAt: number;
  /**
   * Format 1 only (set by the old v1->v2 storage upgrade). Ignored since format 2:
   * no stored flag may make unlock skip a check; pages are rebuilt when the head says so.
   */
  readonly rebuildPages?: boolean;
}

/** The vault head (vault/head.ts, vault-format.md §6.1): what the last write left, MACed under a VK subkey. */
export interface HeadRecord {
  readonly key: 'head';
  readonly v: number;
  readonly settings: { readonly version: number; readonly digest: Uint8Array } | null;
  readonly slots: readonly { readonly id: string; readonly digest: Uint8Array }[];
  /**
   * Layout 2: per page, its items packed (u32be(count), then f(id) || u32be(version)
   * sorted by id) — one byte string per page instead of an object per item, so storing
   * the head costs 64 buffer copies, not 100k structured-clone objects. Layout 1 had
   * no per-page `items`.
   */
  readonly pages: readonly { readonly generation: number; readonly digest: Uint8Array; readonly items?: Uint8Array }[];
  /** Layout 1 only (vault format 2): every item in one packed list. */
  readonly items?: Uint8Array;
  readonly mac: Uint8Array;
}

export interface SettingsRecord {
  readonly key: 'settings';
  /** Bumped on every write; bound in the AAD. */
  readonly version: number;
  readonly envelope: Uint8Array;
}

export type SlotParams = Readonly<Record<string, string | number>>;

export interface SlotRecord {
  readonly id: string;
  readonly kind: string;
  readonly label: string;
  readonly createdAt: number;
  /** Kind-specific, non-secret (salt, KDF cost, credential id…). */
  readonly params: SlotParams;
  /** VK sealed under the slot's KEK. */
  readonly wrappedKey: Uint8Array;
  /** SHA-256 over the slot's canonical encoding (vault-format.md §4): catches corrupted slots before any KDF runs. */
  readonly digest: Uint8Array;
}

export interface ItemRecord {
  readonly id: string;
  /** Starts at 1, +1 per change; bound in every envelope's AAD. */
  readonly version: number;
  /** Item key sealed under the item-wrap key (derived from VK). */
  readonly key: Uint8Array;
  /** Overview JSON sealed under the item key. */
  readonly overview: Uint8Array;
  /** Details JSON sealed under the item key. */
  readonly details: Uint8Array;
}

export interface PageRecord {
  readonly page: number;
  /** Bumped on every rewrite; bound in the AAD. */
  readonly generation: number;
  /** JSON list of this page's overviews, sealed under the page key (derived from VK). */
  readonly envelope: Uint8Array;
}
