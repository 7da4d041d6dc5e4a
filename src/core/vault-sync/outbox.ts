/**
 * The sync outbox hook: a VaultStore decorator the engine is built on. After every
 * local write batch commits, the stored records it changed (already encrypted) are
 * queued for upload in the sync client's durable outbox (QueueStore). Batches marked
 * `origin: 'sync'` (records pulled from the server, merge results the sync client
 * pushes itself) are not queued again.
 *
 * Durability: the outbox append follows the vault commit. A crash between the two
 * loses that record's queue entry (the edit itself is safe locally); the next edit of
 * the record queues it again. Both are IndexedDB writes, microseconds apart.
 */
import { toBase64url } from '../crypto/bytes';
import type { RandomSource } from '../crypto/random';
import { dumpToRecords } from '../store/dump';
import type { VaultStore, WriteBatch } from '../store/store';
import type { QueueStore } from '../sync/store';
import { changesOfBatch } from './codec';

export function withSyncOutbox(inner: VaultStore, queue: QueueStore, random: RandomSource): VaultStore {
  async function enqueue(batch: WriteBatch): Promise<void> {
    for (const c of changesOfBatch(batch)) {
      await queue.append({ changeId: toBase64url(random.bytes(16)), id: c.id, deleted: c.deleted, ciphertext: c.ciphertext });
    }
  }
  return {
    ...inner,
    async commit(batch) {
      await inner.commit(batch);
      if (batch.origin !== 'sync') await enqueue(batch);
    },
    async loadRecords(dump) {
      await inner.loadRecords(dump);
      // A loaded dump replaces the vault: every record in it is a local change to upload.
      const r = dumpToRecords(dump);
      await enqueue({ clear: true, ...(r.meta ? { meta: r.meta } : {}), ...(r.settings ? { settings: r.settings } : {}), putSlots: r.slots, putItems: r.items });
    },
  };
}
