/**
 * Connects the vault engine to the org-server sync client and the audit upload.
 *
 * Outbound: the engine is built on `withSyncOutbox(store, queue, random)` (outbox.ts),
 * so every local write queues its stored, encrypted records. Inbound: pulled records go
 * to a durable inbox, then into the engine through `engine.applyRemoteRecords`, which
 * authenticates them under the vault key (or defers them while locked). Conflicts on
 * items are merged field by field (core/sync fieldMergeResolver) through a codec that
 * decrypts and re-encrypts inside the engine: core/sync never holds the vault key.
 * Conflicts on vault-level records (meta, settings, slots) take the server's version.
 */
import { LatchkeyError } from '../../shared/errors';
import { storedItemDetailsSchema, itemOverviewSchema } from '../../shared/items';
import type { SyncRecord } from '../../shared/contracts/sync';
import type { EngineEvent } from '../engine-types';
import type { AuditLog } from '../audit';
import type { RandomSource } from '../crypto/random';
import type { ItemRecord } from '../store/records';
import {
  createSyncClient,
  fieldMergeResolver,
  uploadPendingAudit,
  type ConflictResolver,
  type DeviceSigner,
  type FieldMap,
  type FieldValue,
  type QueueStore,
  type ServerApi,
  type SyncClient,
  type SyncClock,
  type SyncOptions,
  type SyncReport,
  type SyncStateStore,
} from '../sync';
import { newId } from '../vault/ids';
import type { ItemContent, RemoteApplyResult, RemoteRecords } from '../vault/remote-apply';
import { decodeRecord, encodeItem, itemSyncId, parseSyncId, toRemoteRecords, type SyncKind } from './codec';
import type { InboxStore } from './inbox';

/** What vault sync needs of the engine (createEngine's object satisfies it). */
export interface VaultSyncEngine {
  applyRemoteRecords(records: RemoteRecords): Promise<RemoteApplyResult>;
  openItemRecord(rec: ItemRecord): ItemContent;
  sealMergedItem(id: string, content: Omit<ItemContent, 'updatedAt'>, aboveVersion: number): Promise<ItemRecord>;
  isUnlocked(): boolean;
  subscribe(listener: (e: EngineEvent) => void): () => void;
}

export interface VaultSyncDeps {
  readonly engine: VaultSyncEngine;
  readonly api: ServerApi;
  /** The SAME queue the engine's store was wrapped with (withSyncOutbox). */
  readonly queue: QueueStore;
  readonly state: SyncStateStore;
  readonly inbox: InboxStore;
  /** Device key (Ed25519): signs vault manifests. */
  readonly signer: DeviceSigner;
  readonly clock: SyncClock;
  readonly random: RandomSource;
  /** The engine's audit log: its pending records upload on every sync pass. */
  readonly audit?: Pick<AuditLog, 'pending' | 'acknowledge'>;
  /** Told (epoch ms) each time the server has every audit record this device holds. */
  onAuditUploaded?(at: number): void;
  readonly pageSize?: number;
  readonly manifestIntervalMs?: number;
  /** Told about pulled records refused for integrity outside a sync call (the drain at unlock). */
  onRefused?(ids: readonly string[]): void;
}

export interface VaultSyncReport extends SyncReport {
  readonly auditUploaded: number;
}

export interface VaultSync {
  readonly client: SyncClient;
  /** One pass: write waiting records (if unlocked), push, pull, check the manifest, upload audit records. */
  sync(opts?: SyncOptions): Promise<VaultSyncReport>;
  /** Offers the inbox to the engine now (also runs by itself after every unlock). */
  drainInbox(): Promise<{ state: RemoteApplyResult['state'] | 'empty'; refused: readonly string[] }>;
  /** Sync ids of every pulled record refused for integrity so far (this session). */
  refused(): readonly string[];
  close(): void;
}

function integrityRefusal(ids: readonly string[]): LatchkeyError {
  return new LatchkeyError(
    'integrity',
    `${ids.length} record(s) received from the server failed the integrity check under this vault's key and were not applied; your local copies are unchanged. The server's copy was altered or damaged: tell your administrator.`,
    { recordId: ids[0]! },
  );
}

// ------------------------------------------------------------ item <-> flat fields

const TIMESTAMP_FIELDS = 'createdAt';

/** Flat fields for a three-way merge. updatedAt is left out: it differs on every edit and is reset when the merge is sealed. */
function toFields(c: ItemContent): FieldMap {
  const out: Record<string, FieldValue> = { [TIMESTAMP_FIELDS]: c.createdAt };
  for (const [k, v] of Object.entries(c.overview)) if (v !== undefined) out[`overview.${k}`] = v;
  for (const [k, v] of Object.entries(c.details)) if (v !== undefined) out[`details.${k}`] = v;
  return out;
}

function fromFields(itemId: string, f: FieldMap): Omit<ItemContent, 'updatedAt'> {
  const overview: Record<string, unknown> = {};
  const details: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (k.startsWith('overview.')) overview[k.slice(9)] = v;
    else if (k.startsWith('details.')) details[k.slice(8)] = v;
  }
  const ov = itemOverviewSchema.safeParse(overview);
  const dt = storedItemDetailsSchema.safeParse(details);
  const createdAt = f[TIMESTAMP_FIELDS];
  if (!ov.success || !dt.success || typeof createdAt !== 'number' || ov.data.kind !== dt.data.kind) {
    throw new LatchkeyError('conflict', 'Two edits of this item could not be combined into a valid item.', { itemId });
  }
  return { createdAt, overview: ov.data, details: dt.data };
}

export function createVaultSync(deps: VaultSyncDeps): VaultSync {
  const { engine } = deps;
  const refusedIds: string[] = [];
  let serial: Promise<unknown> = Promise.resolve();
  const one = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = serial.then(fn, fn);
    serial = run.catch(() => undefined);
    return run;
  };

  async function drainNow(): Promise<{ state: RemoteApplyResult['state'] | 'empty'; refused: string[] }> {
    const waiting = await deps.inbox.list();
    if (waiting.length === 0) return { state: 'empty', refused: [] };
    const decoded = waiting.map((r) => ({ id: r.id, deleted: r.deleted, decoded: r.deleted ? null : decodeRecord(r.id, r.ciphertext) }));
    const malformed = decoded.filter((r) => !r.deleted && r.decoded === null).map((r) => r.id);
    const res = await engine.applyRemoteRecords(toRemoteRecords(decoded));
    if (res.state === 'locked') {
      // Keep everything (ciphertext) for the next unlock; a malformed record never becomes valid.
      if (malformed.length) await deps.inbox.remove(malformed);
      return { state: 'locked', refused: note(malformed) };
    }
    await deps.inbox.remove(waiting.map((r) => r.id));
    const byKind = (kind: SyncKind, id: string) => (kind === 'meta' ? 'vault:meta' : kind === 'settings' ? 'vault:settings' : `${kind}:${id}`);
    return { state: res.state, refused: note([...malformed, ...res.refused.map((x) => byKind(x.kind, x.id))]) };
  }

  function note(ids: string[]): string[] {
    refusedIds.push(...ids);
    return ids;
  }

  // --------------------------------------------------------- conflict resolution

  // The merge codec runs one conflict at a time (the sync client awaits each), so the
  // version floor and the sealed record can be handed across its calls here.
  let versionFloor = 0;
  const sealed = new Map<string, { fields: string; ciphertext: string }>();

  const itemResolver = fieldMergeResolver({
    async decode(syncId, ciphertext) {
      const d = decodeRecord(syncId, ciphertext);
      if (!d || d.kind !== 'item') throw new LatchkeyError('integrity', 'A record in a sync conflict is malformed.', { recordId: syncId });
      versionFloor = Math.max(versionFloor, d.record.version);
      return toFields(engine.openItemRecord(d.record));
    },
    async storeLocal(syncId, fields) {
      const at = parseSyncId(syncId);
      if (!at || at.kind !== 'item') throw new LatchkeyError('internal', 'Only items are merged.');
      const rec = await engine.sealMergedItem(at.id, fromFields(at.id, fields), versionFloor);
      sealed.set(syncId, { fields: JSON.stringify(fields), ciphertext: encodeItem(rec) });
    },
    async encode(syncId, fields) {
      // The record just stored by storeLocal IS what gets pushed (same bytes on every device).
      let s = sealed.get(syncId);
      if (!s || s.fields !== JSON.stringify(fields)) {
        await this.storeLocal(syncId, fields);
        s = sealed.get(syncId)!;
      }
      sealed.delete(syncId);
      return s.ciphertext;
    },
    newId: () => itemSyncId(newId(deps.random)),
  });

  const resolveConflict: ConflictResolver = async (c) => {
    if (parseSyncId(c.id)?.kind !== 'item') return { kind: 'take-remote' };
    versionFloor = 0;
    try {
      return await itemResolver(c);
    } finally {
      sealed.clear();
    }
  };

  const client = createSyncClient({
    api: deps.api,
    queue: deps.queue,
    state: deps.state,
    signer: deps.signer,
    clock: deps.clock,
    random: deps.random,
    resolveConflict,
    ...(deps.pageSize !== undefined ? { pageSize: deps.pageSize } : {}),
    ...(deps.manifestIntervalMs !== undefined ? { manifestIntervalMs: deps.manifestIntervalMs } : {}),
    // Durable first, then offered to the engine. A refusal fails this sync (the cursor
    // does not move past the bad record; it is refused again until the server's copy is fixed).
    applyRemote: (records: readonly SyncRecord[]) =>
      one(async () => {
        await deps.inbox.put(records);
        const r = await drainNow();
        if (r.refused.length) throw integrityRefusal(r.refused);
      }),
  });

  const unsubscribe = engine.subscribe((e) => {
    if (e.type !== 'unlocked') return;
    void one(drainNow).then(
      (r) => {
        if (r.refused.length) deps.onRefused?.(r.refused);
      },
      () => undefined,
    );
  });

  return {
    client,
    async sync(opts = {}) {
      if (engine.isUnlocked()) {
        const r = await one(drainNow);
        if (r.refused.length) deps.onRefused?.(r.refused);
      }
      let report: SyncReport | undefined;
      let failure: unknown;
      try {
        report = await client.sync(opts);
      } catch (e) {
        failure = e;
      }
      // Audit records upload even when the vault part failed: the log must not stall.
      const auditUploaded = deps.audit ? await uploadPendingAudit(deps.api, deps.audit) : 0;
      if (deps.audit) deps.onAuditUploaded?.(deps.clock.now());
      if (failure !== undefined || !report) throw failure;
      return { ...report, auditUploaded };
    },
    drainInbox: () => one(drainNow),
    refused: () => [...refusedIds],
    close: unsubscribe,
  };
}
