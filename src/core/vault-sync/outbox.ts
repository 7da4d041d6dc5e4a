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
import type { QueueStore, SyncStateStore } from '../sync/store';
import { changesOfBatch } from './codec';

/**
 * `state`, when given, is told that a vault created (or loaded from a dump) through
 * this store is seeded: all its records were just queued, so seedSyncOutbox skips it.
 */
export function withSyncOutbox(inner: VaultStore, queue: QueueStore, random: RandomSource, state?: SyncStateStore): VaultStore {
  async function enqueue(batch: WriteBatch): Promise<void> {
    for (const c of changesOfBatch(batch)) {
      await queue.append({ changeId: toBase64url(random.bytes(16)), id: c.id, deleted: c.deleted, ciphertext: c.ciphertext });
    }
  }
  return {
    ...inner,
    async commit(batch) {
      await inner.commit(batch);
      if (batch.origin !== 'sync') {
        await enqueue(batch);
        if (state && batch.clear && batch.meta) await state.markSeeded(batch.meta.vaultId);
      }
    },
    async loadRecords(dump) {
      await inner.loadRecords(dump);
      // A loaded dump replaces the vault: every record in it is a local change to upload.
      const r = dumpToRecords(dump);
      await enqueue({ clear: true, ...(r.meta ? { meta: r.meta } : {}), ...(r.settings ? { settings: r.settings } : {}), putSlots: r.slots, putItems: r.items });
      if (state && r.meta) await state.markSeeded(r.meta.vaultId);
    },
  };
}

/**
 * Queues, once per vault, every record the vault held before this device synced it
 * (docs/sync-protocol.md §6.1): the outbox hook only sees later writes. Skips ids the
 * outbox already holds (a newer local edit, queued in order) and ids the sync state
 * knows (already on the server, or pulled from it). Deleted items have no record left
 * and need nothing. Returns how many records it queued. Run it before the first push.
 */
export async function seedSyncOutbox(store: VaultStore, queue: QueueStore, state: SyncStateStore, random: RandomSource): Promise<number> {
  const meta = await store.readMeta();
  // No vault yet: creating it commits a `clear` batch, which queues and marks it.
  if (!meta || (await state.isSeeded(meta.vaultId))) return 0;
  const [settings, slots, items] = await Promise.all([store.readSettings(), store.readSlots(), store.readAllItems()]);
  const changes = changesOfBatch({ clear: true, meta, ...(settings ? { settings } : {}), putSlots: slots, putItems: items });
  const queued = new Set((await queue.list()).map((q) => q.id));
  const known = await state.getRecords(changes.map((c) => c.id));
  let n = 0;
  for (const c of changes) {
    if (queued.has(c.id) || known.has(c.id)) continue;
    await queue.append({ changeId: toBase64url(random.bytes(16)), id: c.id, deleted: c.deleted, ciphertext: c.ciphertext });
    n++;
  }
  await state.markSeeded(meta.vaultId);
  return n;
}
