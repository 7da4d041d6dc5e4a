/**
 * VaultStore on Dexie 4 (IndexedDB: real in Chromium, fake-indexeddb under Node).
 *
 * Dexie schema history (each version kept so old databases upgrade in place):
 *   1: meta (key), slots (id), items (id)
 *   2: + pages (page). Overviews also live in 64 encrypted pages so unlock reads 64
 *      rows instead of one per item; the upgrade flags the vault so the next unlock
 *      rebuilds the pages from the item records (it has no keys to do it here).
 *   The vault head (format 2) is a `meta` row (key 'head'): no schema change. The v2
 *   upgrade no longer flags anything: a vault without a head is migrated at its first
 *   unlock (vault/open-vault.ts), and no stored flag can make unlock skip a check.
 */
import Dexie, { type Table } from 'dexie';
import { LatchkeyError } from '../../shared/errors';
import { dumpToRecords, recordsToDump, type VaultDump } from './dump';
import type { HeadRecord, ItemRecord, MetaRecord, PageRecord, SettingsRecord, SlotRecord } from './records';
import type { VaultStore, WriteBatch } from './store';

export const DEXIE_SCHEMA_VERSION = 2;

type MetaRow = MetaRecord | SettingsRecord | HeadRecord;

class VaultDb extends Dexie {
  meta!: Table<MetaRow, string>;
  slots!: Table<SlotRecord, string>;
  items!: Table<ItemRecord, string>;
  pages!: Table<PageRecord, number>;

  constructor(name: string, options?: { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange }) {
    super(name, options);
    this.version(1).stores({ meta: 'key', slots: 'id', items: 'id' });
    this.version(2).stores({ pages: 'page' });
  }
}

export interface DexieStoreOptions {
  /** IndexedDB database name; one vault per database. */
  readonly name?: string;
  readonly indexedDB?: IDBFactory;
  readonly IDBKeyRange?: typeof IDBKeyRange;
}

export function createDexieStore(options: DexieStoreOptions = {}): VaultStore {
  // Resolved at call time, not when Dexie was imported, so a polyfill (fake-indexeddb)
  // installed after this module loaded is still used.
  const indexedDB = options.indexedDB ?? globalThis.indexedDB;
  const keyRange = options.IDBKeyRange ?? globalThis.IDBKeyRange;
  const db = new VaultDb(options.name ?? 'latchkey-vault', {
    ...(indexedDB ? { indexedDB } : {}),
    ...(keyRange ? { IDBKeyRange: keyRange } : {}),
  });

  async function applyBatch(b: WriteBatch): Promise<void> {
    await db.transaction('rw', [db.meta, db.slots, db.items, db.pages], async () => {
      if (b.clear) await Promise.all([db.meta.clear(), db.slots.clear(), db.items.clear(), db.pages.clear()]);
      if (b.meta) await db.meta.put(b.meta);
      if (b.settings) await db.meta.put(b.settings);
      if (b.deleteSlots?.length) await db.slots.bulkDelete([...b.deleteSlots]);
      if (b.putSlots?.length) await db.slots.bulkPut([...b.putSlots]);
      if (b.deleteItems?.length) await db.items.bulkDelete([...b.deleteItems]);
      if (b.putItems?.length) await db.items.bulkPut([...b.putItems]);
      if (b.putPages?.length) await db.pages.bulkPut([...b.putPages]);
      if (b.head) await db.meta.put(b.head);
    });
  }

  async function readMetaRow<K extends MetaRow['key']>(key: K): Promise<Extract<MetaRow, { key: K }> | undefined> {
    const row = await db.meta.get(key);
    return row && row.key === key ? (row as Extract<MetaRow, { key: K }>) : undefined;
  }

  return {
    readMeta: () => readMetaRow('vault'),
    readSettings: () => readMetaRow('settings'),
    readHead: () => readMetaRow('head'),
    readSlots: () => db.slots.toArray(),
    readPages: () => db.pages.toArray(),
    readItem: (id) => db.items.get(id),
    readItemsWithPrefix: (prefix) => db.items.where('id').startsWith(prefix).toArray(),
    readAllItems: () => db.items.toArray(),
    readItemsAfter: (afterId, limit) => (afterId === null ? db.items.orderBy(':id') : db.items.where(':id').above(afterId)).limit(limit).toArray(),
    readItemIds: async () => db.items.toCollection().primaryKeys(),
    readItemVersions: async () => (await db.items.toArray()).map((i) => [i.id, i.version] as [string, number]),
    commit: applyBatch,
    async dumpRecords(): Promise<VaultDump> {
      return db.transaction('r', [db.meta, db.slots, db.items, db.pages], async () =>
        recordsToDump({
          meta: await readMetaRow('vault'),
          settings: await readMetaRow('settings'),
          head: await readMetaRow('head'),
          slots: await db.slots.toArray(),
          items: await db.items.toArray(),
          pages: await db.pages.toArray(),
        }),
      );
    },
    async loadRecords(dump: VaultDump): Promise<void> {
      let r;
      try {
        r = dumpToRecords(dump);
      } catch {
        throw new LatchkeyError('invalid_input', 'The vault dump is malformed.');
      }
      await applyBatch({
        clear: true,
        ...(r.meta ? { meta: r.meta } : {}),
        ...(r.settings ? { settings: r.settings } : {}),
        ...(r.head ? { head: r.head } : {}),
        putSlots: r.slots,
        putItems: r.items,
        putPages: r.pages,
      });
    },
    close: () => db.close(),
  };
}
