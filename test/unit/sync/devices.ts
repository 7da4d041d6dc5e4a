/**
 * A test "engine" for sync: a plain map of items per device, with a codec that turns
 * fields into opaque base64url text (the server never reads it; real encryption is the
 * engine's). It wires the library's field-merge resolver the way the engine does.
 */
import { randomBytes } from 'node:crypto';
import type { SyncRecord } from '../../../src/shared/contracts/sync';
import {
  MemoryQueueStore,
  MemorySyncStateStore,
  createSyncClient,
  fieldMergeResolver,
  type FieldMap,
  type QueueStore,
  type SyncClient,
  type SyncStateStore,
} from '../../../src/core/sync';
import { nodeRandom, type TestDevice } from '../server/helpers';

export interface SyncedDevice {
  readonly dev: TestDevice;
  readonly items: Map<string, FieldMap>;
  readonly client: SyncClient;
  /** Edits an item locally and queues the change (as the engine would). */
  edit(id: string, fields: FieldMap): Promise<void>;
  remove(id: string): Promise<void>;
}

export const encode = (id: string, fields: FieldMap) => Buffer.from(JSON.stringify({ id, fields })).toString('base64url');
export const decode = (c: string) => (JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as { id: string; fields: FieldMap }).fields;

export function syncedDevice(dev: TestDevice, stores: { queue?: QueueStore; state?: SyncStateStore } = {}, pageSize = 1000, manifestIntervalMs = 0): SyncedDevice {
  const items = new Map<string, FieldMap>();
  const client = createSyncClient({
    api: dev.api,
    queue: stores.queue ?? new MemoryQueueStore(),
    state: stores.state ?? new MemorySyncStateStore(),
    signer: dev.signer,
    clock: { now: Date.now },
    random: nodeRandom,
    pageSize,
    manifestIntervalMs,
    async applyRemote(records: readonly SyncRecord[]) {
      for (const r of records) {
        if (r.deleted) items.delete(r.id);
        else items.set(r.id, decode(r.ciphertext));
      }
    },
    resolveConflict: fieldMergeResolver({
      decode: async (_id, c) => decode(c),
      encode: async (id, f) => encode(id, f),
      storeLocal: async (id, f) => {
        items.set(id, f);
      },
      newId: () => randomBytes(16).toString('base64url'),
    }),
  });
  return {
    dev,
    items,
    client,
    async edit(id, fields) {
      items.set(id, fields);
      await client.enqueue({ id, deleted: false, ciphertext: encode(id, fields) });
    },
    async remove(id) {
      items.delete(id);
      await client.enqueue({ id, deleted: true, ciphertext: '' });
    },
  };
}
