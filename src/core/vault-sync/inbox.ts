/**
 * Pulled records waiting to be written into the vault: ciphertext only. They are
 * stored here first (durably, newest version per record id) so records that arrive
 * while the vault is locked — and so cannot be authenticated — wait for the next
 * unlock instead of overwriting local data unchecked.
 */
import type { SyncRecord } from '../../shared/contracts/sync';

export interface InboxStore {
  /** Keeps the newest version per record id. */
  put(records: readonly SyncRecord[]): Promise<void>;
  list(): Promise<SyncRecord[]>;
  remove(ids: readonly string[]): Promise<void>;
}

export class MemoryInboxStore implements InboxStore {
  private readonly records = new Map<string, SyncRecord>();
  async put(records: readonly SyncRecord[]): Promise<void> {
    for (const r of records) {
      const had = this.records.get(r.id);
      if (!had || had.version <= r.version) this.records.set(r.id, r);
    }
  }
  async list(): Promise<SyncRecord[]> {
    return [...this.records.values()].sort((a, b) => a.seq - b.seq);
  }
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.records.delete(id);
  }
}
