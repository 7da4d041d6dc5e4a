/**
 * AuditLog: one device's append-only, hash-chained log (format v3). The engine hands
 * it events (it implements the engine's AuditSink); main hands it gateway events
 * through the engine's `audit.append`. Appends are serialised so sequence numbers stay
 * dense even when callers do not await each other.
 *
 * An append hashes and stores; it does not sign. The device key signs the chain head
 * (a seal, seal.ts) every `sealEvery.records` records or `sealEvery.ms` after the first
 * unsealed one, when the engine locks, before each upload batch, and at the next start
 * for whatever an exit left unsealed. With the key in another process (main, over
 * RPC), one signature per record was most of an append's cost.
 *
 * A seal signs the head this log computed itself when it can, not the stored one: a
 * record edited in storage between its append and the seal then fails verification
 * instead of being signed as edited. At start, the unsealed tail is re-checked (hashes
 * and links) before it is sealed.
 */
import type { AuditSink } from '../../shared/contracts/engine';
import { LatchkeyError } from '../../shared/errors';
import { verifyChain } from './chain';
import {
  AUDIT_RECORD_VERSION,
  computeRecordHashHex,
  deviceIdSchema,
  issueField,
  GENESIS_PREV_HASH,
  parseAuditEvent,
  type AuditEventInput,
  type AuditRecord,
  type Sha256,
  type UnsignedAuditRecord,
} from './record';
import { signSeal, type AuditSeal } from './seal';
import type { AuditSigner } from './signer';
import type { AuditStore } from './store';

export interface AuditClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface AuditTimer {
  set(run: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

// The engine's lib has no timers (they are host APIs); every host it runs on has these two.
const hostTimers = globalThis as unknown as {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

const defaultTimer: AuditTimer = {
  set(run, ms) {
    const t = hostTimers.setTimeout(run, ms) as { unref?: () => void };
    t.unref?.(); // a pending seal never keeps a Node process alive
    return t;
  },
  clear: (h) => hostTimers.clearTimeout(h),
};

export interface AuditLogDeps {
  readonly store: AuditStore;
  readonly signer: AuditSigner;
  /** This device's id, as enrolled with the org server. */
  readonly deviceId: string;
  readonly clock?: AuditClock;
  /** Seal after this many unsealed records (default 256) or this long after the first (default 10 s). */
  readonly sealEvery?: { readonly records?: number; readonly ms?: number };
  readonly timer?: AuditTimer;
  /** SHA-256 for record hashes; defaults to noble (the engine worker). Node hosts pass node:crypto's. */
  readonly sha256?: Sha256;
}

/** Records and the seals over them, ready for one upload (docs/sync-protocol.md §audit). */
export interface AuditUploadBatch {
  readonly records: AuditRecord[];
  readonly seals: AuditSeal[];
}

export interface AuditLog {
  readonly deviceId: string;
  /** Validates, chains, hashes and stores one event. Refuses (invalid_input) anything outside the schema. */
  append(event: AuditEventInput): Promise<AuditRecord>;
  /**
   * Appends several events at once: all are validated before any is stored (one refused
   * event stores none), stored in one store call, and sealed as single appends would be
   * (every `sealEvery.records`, and at the end). For bulk work (an import), where one
   * append, one store transaction and one timer per event were the cost.
   */
  appendMany(events: readonly AuditEventInput[]): Promise<AuditRecord[]>;
  /** Signs the chain head if a record is not covered yet (lock, quit, before an upload). */
  seal(): Promise<AuditSeal | undefined>;
  /** The last record, or undefined before the first append. */
  head(): Promise<AuditRecord | undefined>;
  /**
   * Records not yet acknowledged by the server, oldest first, at most `limit`, with the
   * seals covering them; the head is sealed first, and a batch ending below it gets a
   * seal at its last record.
   */
  pending(limit: number): Promise<AuditUploadBatch>;
  /** The server stored everything up to `seq`. */
  acknowledge(seq: number): Promise<void>;
}

export function createAuditLog(deps: AuditLogDeps): AuditLog {
  if (!deviceIdSchema.safeParse(deps.deviceId).success) {
    throw new LatchkeyError('invalid_input', 'The device id must be 1–64 letters, digits, _ or -.');
  }
  const clock = deps.clock ?? { now: () => Date.now() };
  const timer = deps.timer ?? defaultTimer;
  const everyRecords = Math.max(1, deps.sealEvery?.records ?? 256);
  const everyMs = Math.max(1, deps.sealEvery?.ms ?? 10_000);
  // Promise chain that serialises appends and seals; a failure does not poison the next.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    const p = tail.then(run);
    tail = p.catch(() => undefined);
    return p;
  };
  // The head this process appended (undefined until the first append here).
  let ownHead: { seq: number; hash: string } | undefined;
  let unsealed = 0;
  let armed: unknown;

  function parseEvent(event: AuditEventInput): AuditEventInput {
    const parsed = parseAuditEvent(event);
    if (!parsed.success) {
      // Name the field, never echo the value: a refused value may be the very secret we keep out.
      const where = issueField(parsed.error);
      throw new LatchkeyError('invalid_input', `Audit event refused: field ${where} is not allowed or not in the expected form.`, { field: where });
    }
    return parsed.data;
  }

  function chained(e: AuditEventInput, last: { seq: number; hash: string } | undefined, time: string): AuditRecord {
    const unsigned: UnsignedAuditRecord = {
      v: AUDIT_RECORD_VERSION,
      seq: last ? last.seq + 1 : 1,
      time,
      device: deps.deviceId,
      action: e.action,
      actor: e.actor,
      outcome: e.outcome,
      prevHash: last ? last.hash : GENESIS_PREV_HASH,
    };
    // An empty target says nothing; leaving it out keeps one encoding per meaning.
    if (e.target && Object.keys(e.target).length > 0) unsigned.target = e.target;
    if (e.reason !== undefined) unsigned.reason = e.reason;
    if (e.receipt !== undefined) unsigned.receipt = e.receipt;
    if (e.approvalKey !== undefined) unsigned.approvalKey = e.approvalKey;
    return { ...unsigned, hash: computeRecordHashHex(unsigned, deps.sha256) };
  }

  function appended(n: number): void {
    unsealed += n;
    if (unsealed >= everyRecords) void serial(sealNow).catch(() => undefined);
    else if (armed === undefined) {
      armed = timer.set(() => {
        armed = undefined;
        void serial(sealNow).catch(() => undefined);
      }, everyMs);
    }
  }

  async function appendNow(event: AuditEventInput): Promise<AuditRecord> {
    const e = parseEvent(event);
    const last = ownHead ?? (await deps.store.last());
    const record = chained(e, last, new Date(clock.now()).toISOString());
    try {
      await deps.store.add(record);
    } catch (err) {
      ownHead = undefined; // re-read the store next time: it may hold what we do not know
      throw err;
    }
    ownHead = { seq: record.seq, hash: record.hash };
    appended(1);
    return record;
  }

  async function appendManyNow(events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    const parsed = events.map(parseEvent);
    if (parsed.length === 0) return [];
    let last: { seq: number; hash: string } | undefined = ownHead ?? (await deps.store.last());
    const time = new Date(clock.now()).toISOString();
    const records = parsed.map((e) => {
      const r = chained(e, last, time);
      last = r;
      return r;
    });
    try {
      if (deps.store.addMany) await deps.store.addMany(records);
      else for (const r of records) await deps.store.add(r);
    } catch (err) {
      ownHead = undefined;
      throw err;
    }
    const end = records[records.length - 1]!;
    ownHead = { seq: end.seq, hash: end.hash };
    // Sealed now, every `sealEvery.records` and at the end, over the hashes computed here:
    // segments stay as long as single appends make them (a verifier bounds an unsealed run).
    for (let k = everyRecords - 1; k < records.length - 1; k += everyRecords) {
      const at = records[k]!;
      await deps.store.addSeal(await signSeal({ device: deps.deviceId, seq: at.seq, hash: at.hash, time }, deps.signer));
    }
    unsealed += records.length;
    await sealNow();
    return records;
  }

  async function sealNow(): Promise<AuditSeal | undefined> {
    if (armed !== undefined) {
      timer.clear(armed);
      armed = undefined;
    }
    const stored = await deps.store.last();
    if (!stored) return undefined;
    const lastSeal = await deps.store.lastSeal();
    const sealedThrough = lastSeal?.seq ?? 0;
    // v1/v2 records carry their own signatures; only v3 records need a seal.
    if (stored.seq <= sealedThrough || stored.v !== 3) {
      unsealed = 0;
      return undefined;
    }
    if (ownHead && (ownHead.seq !== stored.seq || ownHead.hash !== stored.hash)) {
      throw new LatchkeyError('integrity', 'The stored audit log changed behind this device’s back; it is not signed as it now stands.');
    }
    if (!ownHead) await checkUnsealedTail(lastSeal, stored.seq);
    const seal = await signSeal({ device: deps.deviceId, seq: stored.seq, hash: stored.hash, time: new Date(clock.now()).toISOString() }, deps.signer);
    await deps.store.addSeal(seal);
    ownHead = { seq: stored.seq, hash: stored.hash };
    unsealed = 0;
    return seal;
  }

  /** Before sealing what an earlier run left: its records must still hash and link. */
  async function checkUnsealedTail(lastSeal: AuditSeal | undefined, headSeq: number): Promise<void> {
    const from = (lastSeal?.seq ?? 0) + 1;
    const rows = await deps.store.range(from, headSeq - from + 1);
    const previous = lastSeal ? new Map([[deps.deviceId, { seq: lastSeal.seq, hash: lastSeal.hash }]]) : undefined;
    const check = verifyChain(rows, {
      publicKeyFor: (d) => (d === deps.deviceId ? deps.signer.publicKey : undefined),
      unsealedTail: 'allow',
      ...(previous ? { previous } : {}),
    });
    if (!check.ok) throw new LatchkeyError('integrity', `The unsigned end of this device's audit log does not verify, so it is not signed: ${check.message}`);
  }

  async function pendingNow(limit: number): Promise<AuditUploadBatch> {
    await sealNow();
    const from = (await deps.store.uploadedThrough()) + 1;
    const records = await deps.store.range(from, limit);
    const last = records[records.length - 1];
    if (!last || last.v !== 3) return { records, seals: [] };
    const seals = await deps.store.seals(from, last.seq);
    if (seals[seals.length - 1]?.seq !== last.seq) seals.push(await sealInside(last));
    return { records, seals };
  }

  /**
   * A batch that ends below the head gets a seal of its own at its last record, signed
   * only after the records from there up to the next seal are checked to lead to it.
   */
  async function sealInside(at: AuditRecord): Promise<AuditSeal> {
    const next = (await deps.store.seals(at.seq + 1, Number.MAX_SAFE_INTEGER))[0];
    if (!next) throw new LatchkeyError('integrity', 'The end of this device’s audit log is not signed, so it is not uploaded.');
    const rows = await deps.store.range(at.seq, next.seq - at.seq + 1);
    const check = verifyChain([...rows, next], {
      publicKeyFor: (d) => (d === deps.deviceId ? deps.signer.publicKey : undefined),
      previous: new Map([[deps.deviceId, { seq: at.seq - 1, hash: at.prevHash }]]),
    });
    if (!check.ok || rows[0]?.hash !== at.hash)
      throw new LatchkeyError('integrity', `This device's stored audit log does not verify, so it is not uploaded: ${check.ok ? 'a record changed' : check.message}`);
    const seal = await signSeal({ device: deps.deviceId, seq: at.seq, hash: at.hash, time: new Date(clock.now()).toISOString() }, deps.signer);
    await deps.store.addSeal(seal);
    return seal;
  }

  // Whatever the last run left unsealed (a crash, a quit without lock) is signed now.
  void serial(sealNow).catch(() => undefined);

  return {
    deviceId: deps.deviceId,
    append: (event) => serial(() => appendNow(event)),
    appendMany: (events) => serial(() => appendManyNow(events)),
    seal: () => serial(sealNow),
    head: () => deps.store.last(),
    pending: (limit) => serial(() => pendingNow(limit)),
    acknowledge: (seq) => deps.store.setUploadedThrough(seq),
  };
}

/**
 * The engine's audit dependency (`createEngine({ audit })`) backed by this log. A lock
 * is the end of a session: its record is sealed at once, so what a session did is
 * signed before the vault sits locked.
 */
export function auditSinkFor(log: AuditLog): AuditSink {
  return {
    async append(event) {
      await log.append(event);
      if (event.action === 'vault.lock') await log.seal().catch(() => undefined);
    },
    async appendMany(events) {
      await log.appendMany(events);
    },
  };
}
