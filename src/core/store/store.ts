/**
 * What the engine needs from storage. The Dexie adapter (store.dexie.ts) is the real
 * one; everything the engine writes goes through `commit`, which MUST apply the whole
 * batch in one transaction or none of it — that is what keeps an item from being
 * half old, half new after a crash.
 */
import type { HeadRecord, ItemRecord, MetaRecord, PageRecord, SettingsRecord, SlotRecord } from './records';
import type { VaultDump } from './dump';

export interface WriteBatch {
  /** Deletes every record first (vault creation over an empty store, dump load). */
  readonly clear?: boolean;
  readonly meta?: MetaRecord;
  readonly settings?: SettingsRecord;
  readonly putSlots?: readonly SlotRecord[];
  readonly deleteSlots?: readonly string[];
  readonly putItems?: readonly ItemRecord[];
  readonly deleteItems?: readonly string[];
  readonly putPages?: readonly PageRecord[];
  /** The vault head after this batch; written in the same transaction (vault/head.ts). */
  readonly head?: HeadRecord;
  /**
   * Who caused the write. 'sync' = records received from the org server (or a merge
   * the sync client pushes itself): the sync outbox wrapper (core/vault-sync/outbox.ts)
   * does NOT queue these again. Absent = a local change, queued for upload.
   * Store adapters ignore it.
   */
  readonly origin?: 'local' | 'sync';
}

export interface VaultStore {
  readMeta(): Promise<MetaRecord | undefined>;
  readSettings(): Promise<SettingsRecord | undefined>;
  readHead(): Promise<HeadRecord | undefined>;
  readSlots(): Promise<SlotRecord[]>;
  readPages(): Promise<PageRecord[]>;
  readItem(id: string): Promise<ItemRecord | undefined>;
  /** Items whose id starts with `prefix` (one overview page's items). */
  readItemsWithPrefix(prefix: string): Promise<ItemRecord[]>;
  readAllItems(): Promise<ItemRecord[]>;
  /**
   * Up to `limit` item records whose id sorts after `afterId` (all ids when null), in
   * id order: a long read in pieces, so no single read holds the thread for long.
   */
  readItemsAfter(afterId: string | null, limit: number): Promise<ItemRecord[]>;
  /** Every item id (keys only: no record is loaded). */
  readItemIds(): Promise<string[]>;
  /** [id, version] of every item record (loads every record: the one-time migration only). */
  readItemVersions(): Promise<Array<[string, number]>>;
  commit(batch: WriteBatch): Promise<void>;
  /** Every stored record, as the documented JSON dump (dump.ts). */
  dumpRecords(): Promise<VaultDump>;
  /** Replaces everything with the dump's records, in one transaction. */
  loadRecords(dump: VaultDump): Promise<void>;
  close(): void;
}
