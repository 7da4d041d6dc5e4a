/**
 * AuditStore on Dexie 4 (IndexedDB in the engine worker; fake-indexeddb under Node).
 * Its own database, so the audit chain's schema evolves apart from the vault's and a
 * vault reset never silently drops the record of that reset.
 *
 * Schema history: 1: records (seq), meta (key). 2: seals (seq), v3 segment signatures.
 */
import Dexie, { type Table } from 'dexie';
import { LatchkeyError } from '../../shared/errors';
import { auditRecordSchema, type AuditRecord } from './record';
import { auditSealSchema, type AuditSeal } from './seal';
import { duplicateSeqError, duplicateSealError, type AuditStore } from './store';

interface MetaRow {
  key: 'uploadedThrough';
  value: number;
}

class AuditDb extends Dexie {
  records!: Table<AuditRecord, number>;
  meta!: Table<MetaRow, string>;
  seals!: Table<AuditSeal, number>;

  constructor(name: string, options?: { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange }) {
    super(name, options);
    this.version(1).stores({ records: 'seq', meta: 'key' });
    this.version(2).stores({ records: 'seq', meta: 'key', seals: 'seq' });
  }
}

export interface DexieAuditStoreOptions {
  /** IndexedDB database name; one device chain per database. */
  readonly name?: string;
  readonly indexedDB?: IDBFactory;
  readonly IDBKeyRange?: typeof IDBKeyRange;
}

export function createDexieAuditStore(options: DexieAuditStoreOptions = {}): AuditStore & { close(): void } {
  const db = new AuditDb(options.name ?? 'latchkey-audit', {
    ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
    ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
  });

  // Rows read back from disk are parsed: storage is a boundary (another tab, a damaged disk).
  const parse = (row: unknown): AuditRecord => {
    const r = auditRecordSchema.safeParse(row);
    if (!r.success) throw new LatchkeyError('integrity', 'A stored audit record is damaged.');
    return r.data;
  };

  const parseSeal = (row: unknown): AuditSeal => {
    const r = auditSealSchema.safeParse(row);
    if (!r.success) throw new LatchkeyError('integrity', 'A stored audit seal is damaged.');
    return r.data;
  };

  return {
    async addSeal(seal) {
      await db.transaction('rw', db.seals, async () => {
        if ((await db.seals.get(seal.seq)) !== undefined) throw duplicateSealError(seal.seq);
        await db.seals.add(seal);
      });
    },
    async lastSeal() {
      const row = await db.seals.orderBy('seq').last();
      return row === undefined ? undefined : parseSeal(row);
    },
    async seals(fromSeq, toSeq) {
      if (toSeq < fromSeq) return [];
      return (await db.seals.where('seq').between(fromSeq, toSeq, true, true).toArray()).map(parseSeal);
    },
    async last() {
      const row = await db.records.orderBy('seq').last();
      return row === undefined ? undefined : parse(row);
    },
    async add(record) {
      await db.transaction('rw', db.records, async () => {
        const last = await db.records.orderBy('seq').last();
        const lastSeq = last?.seq ?? 0;
        if (record.seq <= lastSeq) throw duplicateSeqError(record.seq);
        if (record.seq !== lastSeq + 1) {
          throw new LatchkeyError('invalid_input', `Audit record ${record.seq} would leave a gap after ${lastSeq}.`, { seq: record.seq });
        }
        await db.records.add(record);
      });
    },
    async addMany(records) {
      if (records.length === 0) return;
      // One transaction: the whole segment or nothing (a bulkAdd is one request per row otherwise).
      await db.transaction('rw', db.records, async () => {
        const last = await db.records.orderBy('seq').last();
        const lastSeq = last?.seq ?? 0;
        records.forEach((r, i) => {
          if (r.seq <= lastSeq + i) throw duplicateSeqError(r.seq);
          if (r.seq !== lastSeq + 1 + i) throw new LatchkeyError('invalid_input', `Audit record ${r.seq} would leave a gap after ${lastSeq + i}.`, { seq: r.seq });
        });
        await db.records.bulkAdd([...records]);
      });
    },
    async range(fromSeq, limit) {
      if (limit <= 0) return [];
      const rows = await db.records.where('seq').aboveOrEqual(fromSeq).limit(limit).toArray();
      return rows.map(parse);
    },
    async uploadedThrough() {
      return (await db.meta.get('uploadedThrough'))?.value ?? 0;
    },
    async setUploadedThrough(seq) {
      await db.transaction('rw', db.meta, async () => {
        const current = (await db.meta.get('uploadedThrough'))?.value ?? 0;
        if (seq > current) await db.meta.put({ key: 'uploadedThrough', value: seq });
      });
    },
    close() {
      db.close();
    },
  };
}
