/** IndexedDB (Dexie) inbox for pulled vault records (inbox.ts): ciphertext only. */
import Dexie, { type Table } from 'dexie';
import type { SyncRecord } from '../../shared/contracts/sync';
import type { InboxStore } from './inbox';

class InboxDb extends Dexie {
  records!: Table<SyncRecord, string>;
  constructor(name: string) {
    super(name);
    this.version(1).stores({ records: 'id' });
  }
}

export function openDexieInbox(name: string): InboxStore & { close(): void } {
  const db = new InboxDb(name);
  return {
    async put(records) {
      await db.transaction('rw', db.records, async () => {
        for (const r of records) {
          const had = await db.records.get(r.id);
          if (!had || had.version <= r.version) await db.records.put(r);
        }
      });
    },
    list: async () => (await db.records.toArray()).sort((a, b) => a.seq - b.seq),
    remove: async (ids) => {
      await db.records.bulkDelete([...ids]);
    },
    close: () => db.close(),
  };
}
