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
 * - Fork consistency: a manifest is accepted only if its chain of `prev` hashes reaches
 *   the one this device verified last; the same seq with another hash, a chain that
 *   does not extend ours, a record this device saw acknowledged that a newer manifest
 *   lacks, or a head change whose record is gone, is refused with 'fork_detected'.
 */
import { LatchkeyError } from '../../shared/errors';
import { MAX_PUSH_CHANGES, type ManifestLink, type PushChange, type SignedManifest, type SyncRecord } from '../../shared/contracts/sync';
import { fromBase64url, toBase64url } from '../crypto/bytes';
import type { RandomSource } from '../crypto/random';
import type { ServerApi, SyncClock } from './api';
import {
  checkManifestCoversAcknowledged,
  checkStateCoversManifest,
  headerHash,
  manifestHash,
  manifestHeader,
  signManifest,
  verifyLinkSignature,
  type DeviceSigner,
} from './manifest';
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

function fork(message: string, details?: Record<string, number | string>): LatchkeyError {
  return new LatchkeyError(
    'fork_detected',
    `${message} The server is showing your devices different histories of your vault (it dropped or replaced a change). Nothing local was changed; keep this device's copy, do not reset it, and tell your administrator.`,
    details,
  );
}

/** seenVersion and the seq the server gave it never go down together. */
function seen(k: KnownRecord | undefined, version: number, seq: number): { seenVersion: number; seenSeq?: number } {
  if (!k || version >= k.seenVersion) return { seenVersion: version, seenSeq: seq };
  return k.seenSeq === undefined ? { seenVersion: k.seenVersion } : { seenVersion: k.seenVersion, seenSeq: k.seenSeq };
}

interface ManifestPointer {
  readonly seq: number;
  readonly hash: string;
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

  async function push(meta0: SyncMeta): Promise<{ meta: SyncMeta; pushed: number; conflicts: number; manifest?: ManifestPointer }> {
    let meta = meta0;
    let pushed = 0;
    let conflicts = 0;
    let manifest: ManifestPointer | undefined;
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
      const changes: PushChange[] = batch.map((e) => ({
        changeId: e.changeId,
        id: e.id,
        baseVersion: known.get(e.id)?.version ?? 0,
        deleted: e.deleted,
        ciphertext: e.deleted ? '' : e.ciphertext,
      }));
      const res = await deps.api.push(changes);
      meta = checkHead(meta, res.headSeq);
      manifest = { seq: res.manifestSeq, hash: res.manifestHash };
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
          updates.push({ id: e.id, version: r.version, deleted: e.deleted, ciphertext: e.deleted ? '' : e.ciphertext, ...seen(k, r.version, r.seq) });
          pushed++;
          continue;
        }
        conflicts++;
        const remote = r.current;
        if (remote.version < (k?.seenVersion ?? 0))
          throw rollback(`The server holds record ${remote.id} at version ${remote.version}, older than version ${k?.seenVersion} seen before.`);
        const resolution = await deps.resolveConflict({
          id: e.id,
          base: k ? { version: k.version, deleted: k.deleted, ciphertext: k.ciphertext } : null,
          local: { deleted: e.deleted, ciphertext: e.ciphertext },
          remote,
        });
        // From now on the local copy is based on the remote version.
        updates.push({
          id: e.id,
          version: remote.version,
          deleted: remote.deleted,
          ciphertext: remote.ciphertext,
          ...(remote.version > 0 ? seen(k, remote.version, remote.seq) : { seenVersion: k?.seenVersion ?? 0 }),
        });
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
    return manifest === undefined ? { meta, pushed, conflicts } : { meta, pushed, conflicts, manifest };
  }

  async function pull(meta0: SyncMeta): Promise<{ meta: SyncMeta; pulled: number; manifest: ManifestPointer }> {
    let meta = meta0;
    let pulled = 0;
    let manifest: ManifestPointer = { seq: 0, hash: '' };
    for (;;) {
      const from = meta.cursor;
      const page = await deps.api.pull(from, pageSize);
      meta = checkHead(meta, page.headSeq);
      manifest = { seq: page.manifestSeq, hash: page.manifestHash };
      checkPage(from, page.records, page.headSeq, page.hasMore);
      const pending = new Set((await deps.queue.list()).map((e) => e.id));
      const known = await deps.state.getRecords(page.records.map((r) => r.id));
      const toApply: SyncRecord[] = [];
      const updates: KnownRecord[] = [];
      for (const r of page.records) {
        const k = known.get(r.id);
        if (k && r.version < k.seenVersion) {
          throw rollback(`The server sent record ${r.id} at version ${r.version}, older than version ${k.seenVersion} seen before.`, { recordId: r.id });
        }
        const s = seen(k, r.version, r.seq);
        if (pending.has(r.id)) {
          // Keep the base of the pending edit; the push will conflict and merge.
          updates.push(k ? { ...k, ...s } : { id: r.id, version: 0, deleted: true, ciphertext: '', ...s });
        } else if (k && k.version >= r.version) {
          updates.push({ ...k, ...s });
        } else {
          toApply.push(r);
          updates.push({ id: r.id, version: r.version, deleted: r.deleted, ciphertext: r.ciphertext, ...s });
        }
      }
      if (toApply.length > 0) await deps.applyRemote(toApply);
      await deps.state.putRecords(updates);
      meta = { ...meta, cursor: page.nextCursor };
      await deps.state.putMeta(meta);
      pulled += toApply.length;
      if (!page.hasMore) break;
    }
    return { meta, pulled, manifest };
  }

  /**
   * A page holds records with from < seq <= head, in seq order. On the last page, if
   * head moved past `from`, the record the head change wrote must be there: nothing
   * wrote after it, so it is still current. Its absence means the server dropped that
   * change after acknowledging it (to this or another device).
   */
  function checkPage(from: number, records: readonly SyncRecord[], headSeq: number, hasMore: boolean): void {
    let last = from;
    for (const r of records) {
      if (r.seq <= last || r.seq > headSeq) throw new LatchkeyError('invalid_input', 'The server sent records out of order or beyond its own head; the sync was stopped.');
      last = r.seq;
    }
    if (!hasMore && headSeq > from && last !== headSeq) {
      throw fork(`The server reports change ${headSeq} as its latest, but the record that change wrote is missing.`, { headSeq });
    }
  }

  /** Error path only: which records this device saw acknowledged after `fromSeq` are no longer on the server. */
  async function acknowledgedMissingSince(fromSeq: number): Promise<string[]> {
    const ack = [...(await deps.state.allAcknowledged())].filter(([, a]) => a.seq > fromSeq);
    if (ack.length === 0) return [];
    const present = new Map<string, number>();
    let cursor = fromSeq;
    for (let i = 0; i < 10_000; i++) {
      const page = await deps.api.pull(cursor, pageSize);
      for (const r of page.records) present.set(r.id, r.version);
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    return ack
      .filter(([id, a]) => (present.get(id) ?? 0) < a.version)
      .map(([id]) => id)
      .sort();
  }

  async function signerKey(deviceId: string, cache: { devices?: Map<string, Uint8Array> }): Promise<Uint8Array | undefined> {
    cache.devices ??= new Map((await deps.api.devices()).devices.map((d) => [d.deviceId, fromBase64url(d.publicKey)] as const));
    return cache.devices.get(deviceId);
  }

  async function regression(meta0: SyncMeta, servedSeq: number): Promise<LatchkeyError> {
    const missing = await acknowledgedMissingSince(servedSeq).catch(() => [] as string[]);
    const base = `The server's vault manifest is at change ${servedSeq}, older than the one at change ${meta0.manifestSeq} this device verified before.`;
    if (missing.length === 0) return rollback(base, { manifestSeq: servedSeq });
    return fork(
      `${base} Records this device pushed and the server acknowledged are gone from it: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}.`,
      { manifestSeq: servedSeq, recordId: missing[0]! },
    );
  }

  /**
   * Follows the server's manifest chain from the one this device verified last to the
   * newest, checking every link, then the newest manifest against this device's state.
   * `meta0.manifestHash` undefined: a state from before v2 (any v2 chain is adopted).
   */
  async function checkManifest(meta0: SyncMeta, reported: ManifestPointer): Promise<SyncMeta> {
    const legacy = meta0.manifestHash === undefined;
    if (legacy && reported.seq === 0) return { ...meta0, manifestSeq: 0, manifestHash: '' };
    if (!legacy && reported.seq < meta0.manifestSeq) throw await regression(meta0, reported.seq);
    if (!legacy && reported.seq === meta0.manifestSeq) {
      if (reported.hash === meta0.manifestHash) return meta0;
      throw fork(`The server's vault manifest at change ${reported.seq} is not the one this device verified at that change.`, { manifestSeq: reported.seq });
    }
    const me = deps.api.identity;
    const keys: { devices?: Map<string, Uint8Array> } = {};
    let cur: { seq: number; hash: string | undefined } = legacy ? { seq: 0, hash: undefined } : { seq: meta0.manifestSeq, hash: meta0.manifestHash };
    const step = async (h: { orgId: string; userId: string; deviceId: string; seq: number; prev: string }, valid: (key: Uint8Array) => boolean): Promise<void> => {
      if (h.orgId !== me.orgId || h.userId !== me.userId) throw rollback('The server sent a vault manifest for another person.');
      if (h.seq <= cur.seq && cur.hash !== undefined) throw fork(`The server's manifest chain goes back from change ${cur.seq} to ${h.seq}.`, { manifestSeq: h.seq });
      if (cur.hash !== undefined && h.prev !== cur.hash) {
        throw fork(`The vault manifest at change ${h.seq} does not extend the one at change ${cur.seq} this device verified.`, { manifestSeq: h.seq, verifiedSeq: cur.seq });
      }
      const key = await signerKey(h.deviceId, keys);
      if (!key || !valid(key)) throw rollback('The server sent a vault manifest that no device of yours signed.');
    };
    // A pre-v2 state cannot check links it has no start for: it reads only the newest.
    let after = legacy ? Math.max(0, reported.seq - 1) : cur.seq;
    for (let round = 0; round < 10_000; round++, after = cur.seq) {
      const res = await deps.api.getManifest(after);
      if (res.seq < cur.seq) throw await regression(meta0, res.seq);
      if (res.seq === cur.seq) {
        if (res.hash !== (cur.hash ?? ''))
          throw fork(`The server's vault manifest at change ${res.seq} is not the one this device verified at that change.`, { manifestSeq: res.seq });
        break;
      }
      for (const link of res.links as readonly ManifestLink[]) {
        await step(link.header, (key) => verifyLinkSignature(link, key));
        cur = { seq: link.header.seq, hash: headerHash(link.header) };
      }
      const signed: SignedManifest | null = res.signed;
      if (!signed) {
        if (res.links.length === 0) throw rollback('The server reported a newer vault manifest but did not send it.');
        continue;
      }
      const m = signed.manifest;
      // One canonicalization of the entries serves the hash and the signature check.
      const header = manifestHeader(m);
      if (m.seq !== res.seq || headerHash(header) !== res.hash) throw rollback('The server sent a vault manifest that does not match the sequence and hash it reported.');
      await step(m, (key) => verifyLinkSignature({ header, signature: signed.signature }, key));
      if (m.seq > meta0.highestSeq) {
        throw rollback(`A device of yours signed the vault at change ${m.seq}, but the server now reports only ${meta0.highestSeq}.`);
      }
      const seenVersions = await deps.state.allSeenVersions();
      checkStateCoversManifest(m, (id) => seenVersions.get(id));
      checkManifestCoversAcknowledged(m, await deps.state.allAcknowledged());
      return { ...meta0, manifestSeq: m.seq, manifestHash: res.hash };
    }
    return { ...meta0, manifestSeq: cur.seq, manifestHash: cur.hash ?? '' };
  }

  async function signAndUpload(meta: SyncMeta): Promise<SyncMeta> {
    const seenNow = await deps.state.allSeenVersions();
    const me = deps.api.identity;
    const signed = await signManifest(
      { orgId: me.orgId, userId: me.userId, deviceId: me.deviceId, seq: meta.cursor, time: deps.clock.now(), prev: meta.manifestHash ?? '', entries: seenNow },
      deps.signer,
    );
    try {
      await deps.api.putManifest(signed);
    } catch (err) {
      // Another device signed a newer state meanwhile: theirs stands (checked on the next sync); ours is not needed.
      if (err instanceof LatchkeyError && err.code === 'conflict') return meta;
      throw err;
    }
    return { ...meta, manifestSeq: meta.cursor, manifestHash: manifestHash(signed.manifest) };
  }

  async function runSync(opts: SyncOptions): Promise<SyncReport> {
    let meta = await deps.state.getMeta();
    const p = await push(meta);
    meta = p.meta;
    let pulled = 0;
    let manifest = p.manifest;
    // Skip the pull only when a push just proved the server holds nothing newer.
    if (manifest === undefined || meta.cursor < meta.highestSeq) {
      const q = await pull(meta);
      meta = q.meta;
      pulled = q.pulled;
      manifest = q.manifest;
    }
    meta = await checkManifest(meta, manifest);
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
      running ??= runSync(opts).finally(() => {
        running = undefined;
      });
      return running;
    },
    pendingCount: async () => (await deps.queue.list()).length,
  };
}
