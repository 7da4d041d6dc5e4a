/**
 * IndexedDB (Dexie) implementations of the sync outbox and state, so queued offline
 * edits survive a restart of the app. One database per vault, separate from the
 * vault's own tables: it holds only ciphertext and version numbers.
 */
import Dexie, { type Table } from 'dexie';
import { INITIAL_META, acknowledgedOf, type KnownRecord, type QueueStore, type QueuedChange, type SyncMeta, type SyncStateStore } from './store';

interface MetaRow extends SyncMeta {
  readonly key: 'meta';
}

class SyncDb extends Dexie {
  outbox!: Table<QueuedChange, number>;
  records!: Table<KnownRecord, string>;
  meta!: Table<MetaRow, string>;
  /** Vault ids whose pre-existing records were queued once (seedSyncOutbox). */
  seeded!: Table<{ readonly vaultId: string }, string>;
  constructor(name: string) {
    super(name);
    this.version(1).stores({ outbox: '++pos', records: 'id', meta: 'key' });
    // v2 only adds a table: existing outboxes and states carry over untouched.
    this.version(2).stores({ outbox: '++pos', records: 'id', meta: 'key', seeded: 'vaultId' });
  }
}

export function openDexieSyncStores(name: string): { queue: QueueStore; state: SyncStateStore; close(): void } {
  const db = new SyncDb(name);
  const queue: QueueStore = {
    async append(change) {
      // `++pos` lets IndexedDB assign the position atomically with the write.
      const pos = await db.outbox.add(change as QueuedChange);
      return { ...change, pos };
    },
    list: () => db.outbox.orderBy('pos').toArray(),
    remove: async (positions) => {
      await db.outbox.bulkDelete([...positions]);
    },
    replace: async (pos, change) => {
      await db.outbox.put({ ...change, pos });
    },
  };
  const state: SyncStateStore = {
    async getMeta() {
      const row = await db.meta.get('meta');
      if (!row) return INITIAL_META;
      const meta: SyncMeta = { cursor: row.cursor, highestSeq: row.highestSeq, manifestSeq: row.manifestSeq };
      // A state from before manifest v2 has no hash: leave it absent (see SyncMeta).
      return row.manifestHash === undefined ? meta : { ...meta, manifestHash: row.manifestHash };
    },
    putMeta: async (meta) => {
      await db.meta.put({ ...meta, key: 'meta' });
    },
    async getRecords(ids) {
      const rows = await db.records.bulkGet([...ids]);
      const out = new Map<string, KnownRecord>();
      for (const r of rows) if (r) out.set(r.id, r);
      return out;
    },
    putRecords: async (records) => {
      await db.records.bulkPut([...records]);
    },
    async allSeenVersions() {
      const out = new Map<string, number>();
      await db.records.each((r) => {
        out.set(r.id, r.seenVersion);
      });
      return out;
    },
    allAcknowledged: async () => acknowledgedOf(await db.records.toArray()),
    isSeeded: async (vaultId) => (await db.seeded.get(vaultId)) !== undefined,
    markSeeded: async (vaultId) => {
      await db.seeded.put({ vaultId });
    },
  };
  return { queue, state, close: () => db.close() };
}
