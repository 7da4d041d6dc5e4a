/**
 * What the sync client persists, behind interfaces so the engine can keep it in
 * IndexedDB (sync-store.dexie.ts) and tests in memory:
 *
 * - the outbox (QueueStore): local changes not yet confirmed by the server, in the
 *   order they were made. An entry leaves the outbox only after the server answered
 *   for it, so a crash or a lost response replays it (its changeId makes that safe).
 * - the sync state (SyncStateStore): cursor, the highest server seq and manifest ever
 *   seen (rollback detection), and per record the last version this device based an
 *   edit on (with its ciphertext, the common ancestor for a three-way merge).
 */

export interface QueuedChange {
  /** Position in the outbox (assigned by the store, increasing). */
  readonly pos: number;
  readonly changeId: string;
  readonly id: string;
  readonly deleted: boolean;
  /** Opaque ciphertext (base64url) from the engine; '' for a delete. */
  readonly ciphertext: string;
}

export interface QueueStore {
  append(change: Omit<QueuedChange, 'pos'>): Promise<QueuedChange>;
  /** Oldest first. */
  list(): Promise<QueuedChange[]>;
  remove(positions: readonly number[]): Promise<void>;
  /** Replaces one entry in place (keeps its position): used after a merge. */
  replace(pos: number, change: Omit<QueuedChange, 'pos'>): Promise<void>;
}

export interface KnownRecord {
  readonly id: string;
  /** Version the local copy is based on (the CAS base for the next push). */
  readonly version: number;
  readonly deleted: boolean;
  /** Ciphertext of that version: the common ancestor for merges. */
  readonly ciphertext: string;
  /** Newest version of this record ever received from the server (>= version). */
  readonly seenVersion: number;
  /**
   * The change seq the server gave `seenVersion` (push acknowledgement or pull). Every
   * manifest at or after this seq must list the record at that version or newer.
   * Absent in states written before manifest v2: those records are not checked.
   */
  readonly seenSeq?: number;
}

export interface SyncMeta {
  /** Pull cursor (the user's change seq this device has pulled up to). */
  readonly cursor: number;
  /** Highest head seq the server ever reported to this device: it must never go down. */
  readonly highestSeq: number;
  /** Seq of the newest verified manifest this device has seen (0 = none). */
  readonly manifestSeq: number;
  /**
   * Hash of that manifest ('' = none): the next one must extend it. Absent in a state
   * written before manifest v2, when only the v1 seq was kept: the first v2 manifest
   * at or after `manifestSeq` is then accepted as the start of the chain.
   */
  readonly manifestHash?: string;
}

export const INITIAL_META: SyncMeta = { cursor: 0, highestSeq: 0, manifestSeq: 0, manifestHash: '' };

export interface SyncStateStore {
  getMeta(): Promise<SyncMeta>;
  putMeta(meta: SyncMeta): Promise<void>;
  getRecords(ids: readonly string[]): Promise<Map<string, KnownRecord>>;
  putRecords(records: readonly KnownRecord[]): Promise<void>;
  /** Every known record's [id, seenVersion] (for manifest checks and signing). */
  allSeenVersions(): Promise<Map<string, number>>;
  /** Every known record with a seenSeq: [id, {version: seenVersion, seq: seenSeq}]. */
  allAcknowledged(): Promise<Map<string, { version: number; seq: number }>>;
  /**
   * Whether every record this vault held when the device started syncing it has been
   * queued once (docs/sync-protocol.md §6.1). Durable, so a restart never queues them again.
   */
  isSeeded(vaultId: string): Promise<boolean>;
  markSeeded(vaultId: string): Promise<void>;
}

export class MemoryQueueStore implements QueueStore {
  private entries: QueuedChange[] = [];
  private next = 1;
  async append(change: Omit<QueuedChange, 'pos'>): Promise<QueuedChange> {
    const e = { ...change, pos: this.next++ };
    this.entries.push(e);
    return e;
  }
  async list(): Promise<QueuedChange[]> {
    return [...this.entries];
  }
  async remove(positions: readonly number[]): Promise<void> {
    const drop = new Set(positions);
    this.entries = this.entries.filter((e) => !drop.has(e.pos));
  }
  async replace(pos: number, change: Omit<QueuedChange, 'pos'>): Promise<void> {
    this.entries = this.entries.map((e) => (e.pos === pos ? { ...change, pos } : e));
  }
}

export class MemorySyncStateStore implements SyncStateStore {
  private meta: SyncMeta = INITIAL_META;
  private readonly records = new Map<string, KnownRecord>();
  private readonly seeded = new Set<string>();
  async getMeta(): Promise<SyncMeta> {
    return this.meta;
  }
  async putMeta(meta: SyncMeta): Promise<void> {
    this.meta = meta;
  }
  async getRecords(ids: readonly string[]): Promise<Map<string, KnownRecord>> {
    const out = new Map<string, KnownRecord>();
    for (const id of ids) {
      const r = this.records.get(id);
      if (r) out.set(id, r);
    }
    return out;
  }
  async putRecords(records: readonly KnownRecord[]): Promise<void> {
    for (const r of records) this.records.set(r.id, r);
  }
  async allSeenVersions(): Promise<Map<string, number>> {
    return new Map([...this.records.values()].map((r) => [r.id, r.seenVersion]));
  }
  async allAcknowledged(): Promise<Map<string, { version: number; seq: number }>> {
    return acknowledgedOf(this.records.values());
  }
  async isSeeded(vaultId: string): Promise<boolean> {
    return this.seeded.has(vaultId);
  }
  async markSeeded(vaultId: string): Promise<void> {
    this.seeded.add(vaultId);
  }
}

export function acknowledgedOf(records: Iterable<KnownRecord>): Map<string, { version: number; seq: number }> {
  const out = new Map<string, { version: number; seq: number }>();
  for (const r of records) if (r.seenSeq !== undefined && r.seenVersion > 0) out.set(r.id, { version: r.seenVersion, seq: r.seenSeq });
  return out;
}
