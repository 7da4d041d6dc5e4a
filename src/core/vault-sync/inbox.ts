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
