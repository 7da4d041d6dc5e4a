/**
 * The device side of sync: a durable outbox of local changes, push by compare-and-swap,
 * pull by cursor in pages, conflict resolution through the engine's resolver, and
 * rollback/fork detection against the newest signed vault manifest seen.
 *
 * Invariants
 * - An outbox entry is removed only after the server answered for it; a crash replays
 *   it, and its changeId makes a replay of an already applied change a no-op.
 * - A record with a pending local change is never overwritten by a pulled version: the
 *   pending push conflicts instead and the resolver merges (no lost edit).
 * - The server's head seq, each record's version and the manifest seq never go down as
 *   seen by this device; a server state older than one seen is refused with
 *   'rollback_detected' and nothing local is changed by that sync.
 */
import { LatchkeyError } from '../../shared/errors';
import { MAX_PUSH_CHANGES, type PushChange, type SyncRecord } from '../../shared/contracts/sync';
import { fromBase64url, toBase64url } from '../crypto/bytes';
import type { RandomSource } from '../crypto/random';
import type { ServerApi, SyncClock } from './api';
import { checkStateCoversManifest, signManifest, verifyManifestSignature, type DeviceSigner } from './manifest';
import type { ConflictResolver } from './merge';
import type { KnownRecord, QueueStore, SyncMeta, SyncStateStore } from './store';

export interface SyncClientDeps {
  readonly api: ServerApi;
  readonly queue: QueueStore;
  readonly state: SyncStateStore;
  readonly signer: DeviceSigner;
  readonly clock: SyncClock;
  readonly random: RandomSource;
  /** Decrypts and stores pulled records in the vault; must be idempotent (a crash re-applies a page). */
  applyRemote(records: readonly SyncRecord[]): Promise<void>;
  readonly resolveConflict: ConflictResolver;
  /** Records per pull page (default 1000). */
  readonly pageSize?: number;
  /**
   * Least time between two manifests this device signs, ms (default 60 000). Signing
   * covers every record (a 10k-item vault makes a ~0.5 MB manifest), so it is not
   * repeated on every small sync; rollback of this device's own view is caught on every
   * sync by the head-seq check regardless, and forks show up within one interval.
   */
  readonly manifestIntervalMs?: number;
}

export interface SyncOptions {
  /** Sign and upload a manifest now if the state allows, even if the interval has not passed. */
  readonly signManifest?: boolean;
}

export interface SyncReport {
  readonly pushed: number;
  readonly conflicts: number;
  readonly pulled: number;
  readonly headSeq: number;
  readonly manifestSigned: boolean;
}

export interface LocalChange {
  readonly id: string;
  readonly deleted: boolean;
  /** Ciphertext from the engine (base64url); '' for a delete. */
  readonly ciphertext: string;
}

export type SyncClient = ReturnType<typeof createSyncClient>;

function rollback(message: string, details?: Record<string, number | string>): LatchkeyError {
  return new LatchkeyError(
    'rollback_detected',
    `${message} The server may have been restored from an old backup or be showing this device a different history than your other devices. Nothing local was changed; tell your administrator.`,
    details,
  );
}

export function createSyncClient(deps: SyncClientDeps) {
  const pageSize = deps.pageSize ?? 1000;
  const manifestIntervalMs = deps.manifestIntervalMs ?? 60_000;
  let running: Promise<SyncReport> | undefined;
  let lastSignedAt = Number.NEGATIVE_INFINITY;
  const newChangeId = () => toBase64url(deps.random.bytes(16));

  function checkHead(meta: SyncMeta, headSeq: number): SyncMeta {
    if (headSeq < meta.highestSeq) {
      throw rollback(`The server reports ${headSeq} changes to your vault, fewer than the ${meta.highestSeq} it reported before.`, { headSeq, highestSeq: meta.highestSeq });
    }
    return headSeq > meta.highestSeq ? { ...meta, highestSeq: headSeq } : meta;
  }

  async function push(meta0: SyncMeta): Promise<{ meta: SyncMeta; pushed: number; conflicts: number; manifestSeq?: number }> {
    let meta = meta0;
    let pushed = 0;
    let conflicts = 0;
    let manifestSeq: number | undefined;
    // Each round sends at most one change per record (the oldest), so a record's later
    // edits are based on the version its earlier edit produced.
    for (let round = 0; round < 1000; round++) {
      const entries = await deps.queue.list();
      if (entries.length === 0) break;
      const batch = [];
      const ids = new Set<string>();
      for (const e of entries) {
        if (ids.has(e.id)) continue;
        ids.add(e.id);
        batch.push(e);
        if (batch.length >= MAX_PUSH_CHANGES) break;
      }
      const known = await deps.state.getRecords([...ids]);
      const changes: PushChange[] = batch.map((e) => ({ changeId: e.changeId, id: e.id, baseVersion: known.get(e.id)?.version ?? 0, deleted: e.deleted, ciphertext: e.deleted ? '' : e.ciphertext }));
      const res = await deps.api.push(changes);
      meta = checkHead(meta, res.headSeq);
      manifestSeq = res.manifestSeq;
      // When this push's writes are exactly the changes (cursor, head], nothing else
      // happened on the server: the cursor can move without a pull.
      const seqs = res.results.flatMap((r) => (r.status === 'applied' ? [r.seq] : [])).sort((x, y) => x - y);
      const contiguous = seqs.length === res.headSeq - meta.cursor && seqs.every((q, i) => q === meta.cursor + i + 1);
      const byChange = new Map(batch.map((e) => [e.changeId, e] as const));
      const done: number[] = [];
      const updates: KnownRecord[] = [];
      for (const r of res.results) {
        const e = byChange.get(r.changeId);
        if (!e) throw new LatchkeyError('invalid_input', 'The server answered for a change that was not sent.');
        const k = known.get(e.id);
        if (r.status === 'applied') {
          done.push(e.pos);
          updates.push({ id: e.id, version: r.version, deleted: e.deleted, ciphertext: e.deleted ? '' : e.ciphertext, seenVersion: Math.max(k?.seenVersion ?? 0, r.version) });
          pushed++;
          continue;
        }
        conflicts++;
        const remote = r.current;
        if (remote.version < (k?.seenVersion ?? 0)) throw rollback(`The server holds record ${remote.id} at version ${remote.version}, older than version ${k?.seenVersion} seen before.`);
        const resolution = await deps.resolveConflict({
          id: e.id,
          base: k ? { version: k.version, deleted: k.deleted, ciphertext: k.ciphertext } : null,
          local: { deleted: e.deleted, ciphertext: e.ciphertext },
          remote,
        });
        // From now on the local copy is based on the remote version.
        updates.push({ id: e.id, version: remote.version, deleted: remote.deleted, ciphertext: remote.ciphertext, seenVersion: Math.max(k?.seenVersion ?? 0, remote.version) });
        if (resolution.kind === 'merged') {
          await deps.queue.replace(e.pos, { changeId: newChangeId(), id: e.id, deleted: resolution.deleted, ciphertext: resolution.deleted ? '' : resolution.ciphertext });
        } else {
          if (remote.version > 0) await deps.applyRemote([remote]);
          if (resolution.kind === 'keep-both') {
            await deps.queue.append({ changeId: newChangeId(), id: resolution.copy.id, deleted: false, ciphertext: resolution.copy.ciphertext });
          }
          done.push(e.pos);
        }
      }
      // State first, then the outbox: a crash in between re-sends a change whose
      // changeId the server recognises, never loses one.
      await deps.state.putRecords(updates);
      await deps.queue.remove(done);
      if (contiguous) meta = { ...meta, cursor: res.headSeq };
      await deps.state.putMeta(meta);
    }
    return manifestSeq === undefined ? { meta, pushed, conflicts } : { meta, pushed, conflicts, manifestSeq };
  }

  async function pull(meta0: SyncMeta): Promise<{ meta: SyncMeta; pulled: number; manifestSeq: number }> {
    let meta = meta0;
    let pulled = 0;
    let manifestSeq = 0;
    for (;;) {
      const page = await deps.api.pull(meta.cursor, pageSize);
      meta = checkHead(meta, page.headSeq);
      manifestSeq = page.manifestSeq;
      const pending = new Set((await deps.queue.list()).map((e) => e.id));
      const known = await deps.state.getRecords(page.records.map((r) => r.id));
      const toApply: SyncRecord[] = [];
      const updates: KnownRecord[] = [];
      for (const r of page.records) {
        const k = known.get(r.id);
        if (k && r.version < k.seenVersion) {
          throw rollback(`The server sent record ${r.id} at version ${r.version}, older than version ${k.seenVersion} seen before.`, { recordId: r.id });
        }
        const seenVersion = Math.max(k?.seenVersion ?? 0, r.version);
        if (pending.has(r.id)) {
          // Keep the base of the pending edit; the push will conflict and merge.
          updates.push(k ? { ...k, seenVersion } : { id: r.id, version: 0, deleted: true, ciphertext: '', seenVersion });
        } else if (k && k.version >= r.version) {
          updates.push({ ...k, seenVersion });
        } else {
          toApply.push(r);
          updates.push({ id: r.id, version: r.version, deleted: r.deleted, ciphertext: r.ciphertext, seenVersion });
        }
      }
      if (toApply.length > 0) await deps.applyRemote(toApply);
      await deps.state.putRecords(updates);
      meta = { ...meta, cursor: page.nextCursor };
      await deps.state.putMeta(meta);
      pulled += toApply.length;
      if (!page.hasMore) break;
    }
    return { meta, pulled, manifestSeq };
  }

  async function checkManifest(meta0: SyncMeta, reportedSeq: number): Promise<SyncMeta> {
    if (reportedSeq < meta0.manifestSeq) {
      throw rollback(`The server's vault manifest is at change ${reportedSeq}, older than the one at change ${meta0.manifestSeq} seen before.`, { manifestSeq: reportedSeq });
    }
    // Push and pull answers carry the stored manifest's seq: fetch it only when it moved.
    if (reportedSeq === meta0.manifestSeq) return meta0;
    const res = await deps.api.getManifest(meta0.manifestSeq);
    if (res.seq < meta0.manifestSeq) {
      throw rollback(`The server's vault manifest is at change ${res.seq}, older than the one at change ${meta0.manifestSeq} seen before.`, { manifestSeq: res.seq });
    }
    if (!res.signed) return meta0;
    const { manifest } = res.signed;
    const me = deps.api.identity;
    if (manifest.orgId !== me.orgId || manifest.userId !== me.userId || manifest.seq !== res.seq) {
      throw rollback('The server sent a vault manifest for another person or with a mismatched sequence.');
    }
    const devices = (await deps.api.devices()).devices;
    const signer = devices.find((d) => d.deviceId === manifest.deviceId);
    if (!signer || !verifyManifestSignature(res.signed, fromBase64url(signer.publicKey))) {
      throw rollback('The server sent a vault manifest that no device of yours signed.');
    }
    if (manifest.seq > meta0.highestSeq) {
      throw rollback(`A device of yours signed the vault at change ${manifest.seq}, but the server now reports only ${meta0.highestSeq}.`);
    }
    const seen = await deps.state.allSeenVersions();
    checkStateCoversManifest(manifest, (id) => seen.get(id));
    return { ...meta0, manifestSeq: manifest.seq };
  }

  async function signAndUpload(meta: SyncMeta): Promise<SyncMeta> {
    const seen = await deps.state.allSeenVersions();
    const me = deps.api.identity;
    const signed = await signManifest({ orgId: me.orgId, userId: me.userId, deviceId: me.deviceId, seq: meta.cursor, time: deps.clock.now(), entries: seen }, deps.signer);
    try {
      await deps.api.putManifest(signed);
    } catch (err) {
      // Another device signed a newer state meanwhile: theirs stands; ours is not needed.
      if (err instanceof LatchkeyError && err.code === 'conflict') return meta;
      throw err;
    }
    return { ...meta, manifestSeq: meta.cursor };
  }

  async function runSync(opts: SyncOptions): Promise<SyncReport> {
    let meta = await deps.state.getMeta();
    const p = await push(meta);
    meta = p.meta;
    let pulled = 0;
    let manifestSeq = p.manifestSeq;
    // Skip the pull only when a push just proved the server holds nothing newer.
    if (p.manifestSeq === undefined || meta.cursor < meta.highestSeq) {
      const q = await pull(meta);
      meta = q.meta;
      pulled = q.pulled;
      manifestSeq = q.manifestSeq;
    }
    meta = await checkManifest(meta, manifestSeq ?? 0);
    let manifestSigned = false;
    // Sign only a state that is exactly the server's at `cursor`: fully pulled, nothing pending.
    const pendingAfter = (await deps.queue.list()).length;
    const due = opts.signManifest === true || deps.clock.now() - lastSignedAt >= manifestIntervalMs;
    if (due && pendingAfter === 0 && meta.cursor === meta.highestSeq && meta.manifestSeq < meta.cursor) {
      meta = await signAndUpload(meta);
      manifestSigned = meta.manifestSeq === meta.cursor;
      if (manifestSigned) lastSignedAt = deps.clock.now();
    }
    await deps.state.putMeta(meta);
    return { pushed: p.pushed, conflicts: p.conflicts, pulled, headSeq: meta.highestSeq, manifestSigned };
  }

  return {
    /** Queues a local change durably; it is sent on the next sync (or replayed after a restart). */
    async enqueue(change: LocalChange): Promise<void> {
      await deps.queue.append({ changeId: newChangeId(), id: change.id, deleted: change.deleted, ciphertext: change.deleted ? '' : change.ciphertext });
    },
    /** Push, then pull, then check the manifest; concurrent calls share one run. */
    sync(opts: SyncOptions = {}): Promise<SyncReport> {
      running ??= runSync(opts).finally(() => { running = undefined; });
      return running;
    },
    pendingCount: async () => (await deps.queue.list()).length,
  };
}
