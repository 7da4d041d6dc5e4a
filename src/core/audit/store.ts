/**
 * Where a device keeps its own audit chain. One store holds one device's chain.
 * Implementations: MemoryAuditStore (tests, short-lived processes) and the Dexie
 * adapter in audit-store.dexie.ts (the engine worker, IndexedDB).
 */
import { LatchkeyError } from '../../shared/errors';
import type { AuditRecord } from './record';
import type { AuditSeal } from './seal';

export interface AuditStore {
  /** The record with the highest seq, or undefined for an empty chain. */
  last(): Promise<AuditRecord | undefined>;
  /**
   * Stores one record atomically. MUST refuse (LatchkeyError 'conflict') a seq that
   * is already stored: a chain never rewrites a record.
   */
  add(record: AuditRecord): Promise<void>;
  /** Optional: stores consecutive records in one atomic write (all or none), same refusals as add. */
  addMany?(records: readonly AuditRecord[]): Promise<void>;
  /** Up to `limit` records with seq >= fromSeq, ascending by seq. */
  range(fromSeq: number, limit: number): Promise<AuditRecord[]>;
  /** Highest seq the org server acknowledged (0 when none). */
  uploadedThrough(): Promise<number>;
  setUploadedThrough(seq: number): Promise<void>;
  /** Stores a seal (v3 segment signature). MUST refuse ('conflict') a second seal at one seq. */
  addSeal(seal: AuditSeal): Promise<void>;
  /** The seal with the highest seq, or undefined. */
  lastSeal(): Promise<AuditSeal | undefined>;
  /** Seals with fromSeq <= seq <= toSeq, ascending. */
  seals(fromSeq: number, toSeq: number): Promise<AuditSeal[]>;
}

export function duplicateSealError(seq: number): LatchkeyError {
  return new LatchkeyError('conflict', `Audit record ${seq} is already sealed.`, { seq });
}

export function duplicateSeqError(seq: number): LatchkeyError {
  return new LatchkeyError('conflict', `Audit record ${seq} already exists; records are never rewritten.`, { seq });
}

export class MemoryAuditStore implements AuditStore {
  // Index i holds seq i + 1: appends are dense by construction.
  private readonly rows: AuditRecord[] = [];
  private uploaded = 0;
  private readonly sealRows: AuditSeal[] = [];

  async last(): Promise<AuditRecord | undefined> {
    return this.rows[this.rows.length - 1];
  }

  async add(record: AuditRecord): Promise<void> {
    if (record.seq <= this.rows.length) throw duplicateSeqError(record.seq);
    if (record.seq !== this.rows.length + 1) {
      throw new LatchkeyError('invalid_input', `Audit record ${record.seq} would leave a gap after ${this.rows.length}.`, { seq: record.seq });
    }
    this.rows.push(record);
  }

  async addMany(records: readonly AuditRecord[]): Promise<void> {
    // Checked whole first, so a refused batch leaves nothing behind.
    records.forEach((r, i) => {
      const at = this.rows.length + 1 + i;
      if (r.seq < at) throw duplicateSeqError(r.seq);
      if (r.seq !== at) throw new LatchkeyError('invalid_input', `Audit record ${r.seq} would leave a gap after ${at - 1}.`, { seq: r.seq });
    });
    this.rows.push(...records);
  }

  async range(fromSeq: number, limit: number): Promise<AuditRecord[]> {
    const start = Math.max(0, fromSeq - 1);
    return this.rows.slice(start, start + Math.max(0, limit));
  }

  async uploadedThrough(): Promise<number> {
    return this.uploaded;
  }

  async setUploadedThrough(seq: number): Promise<void> {
    this.uploaded = Math.max(this.uploaded, seq);
  }

  async addSeal(seal: AuditSeal): Promise<void> {
    if (this.sealRows.some((s) => s.seq === seal.seq)) throw duplicateSealError(seal.seq);
    this.sealRows.push(seal);
    this.sealRows.sort((a, b) => a.seq - b.seq);
  }

  async lastSeal(): Promise<AuditSeal | undefined> {
    return this.sealRows[this.sealRows.length - 1];
  }

  async seals(fromSeq: number, toSeq: number): Promise<AuditSeal[]> {
    return this.sealRows.filter((s) => s.seq >= fromSeq && s.seq <= toSeq);
  }
}
