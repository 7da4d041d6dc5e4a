/**
 * Chain verification: the same code runs in the engine (self-check), the server
 * (every upload, via verifyAppend) and the CLI (offline export check, streamed), so
 * all agree on what a bad record is and name it the same way.
 *
 * The input is a sequence of items: records (any version) and, for v3 chains, seals
 * (seal.ts). Order of checks per record, so the reported reason is the most specific:
 * shape (malformed) → device known → hash recomputed (bad_hash) → v1/v2: signature
 * over the hash (bad_signature) → position in its device's chain (gap, reorder, fork,
 * duplicate, bad_prev_link, downgrade). Per seal: shape → device → signature
 * (bad_signature) → position (truncated, reorder, stale) → hash (seal_mismatch). At
 * the end, a v3 record no seal covers is `unsealed`.
 *
 * ChainVerifier holds per device only its head, and the hashes since its last seal
 * (bounded by how often the device seals), so a stream of any length verifies in
 * bounded memory. Telling a reorder from a gap needs to know whether the missing
 * record comes later: the verifier reports a `lookFor` and its caller keeps reading.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { computeRecordHashHex, GENESIS_PREV_HASH, issueField, parseAuditRecord, recordSignatureInput, type AuditRecord, type Sha256 } from './record';
import { isSealShaped, parseAuditSeal, sealSignatureInput, type AuditSeal } from './seal';
import { nobleEd25519Verify, type SignatureVerifier } from './signer';

export const CHAIN_FAILURE_REASONS = [
  'malformed',
  'unknown_device',
  'wrong_device',
  'bad_hash',
  'bad_signature',
  'gap',
  'reorder',
  'fork',
  'duplicate',
  'bad_prev_link',
  'stale',
  'downgrade',
  'seal_mismatch',
  'truncated',
  'unsealed',
] as const;
export type ChainFailureReason = (typeof CHAIN_FAILURE_REASONS)[number];

/** The last verified record of one device's chain (taken as signed: it was verified before). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export interface ChainFailure {
  readonly ok: false;
  /** Position of the bad item in the input (0-based; records and seals both count). */
  readonly index: number;
  readonly seq?: number;
  readonly device?: string;
  readonly reason: ChainFailureReason;
  /** One sentence for a person; holds no record content beyond ids and numbers. */
  readonly message: string;
}

export interface ChainSuccess {
  readonly ok: true;
  /** Records accepted. */
  readonly count: number;
  /** Per device, the head after the last record checked (devices in `previous` included). */
  readonly heads: ReadonlyMap<string, ChainHead>;
  /** The parsed records, in input order (seals left out). */
  readonly records: readonly AuditRecord[];
  /** The parsed seals, in input order. */
  readonly seals: readonly AuditSeal[];
}

export type ChainResult = ChainSuccess | ChainFailure;

export interface VerifyChainOptions {
  /** The device's 32-byte Ed25519 public key, or undefined if the device is unknown. */
  publicKeyFor(deviceId: string): Uint8Array | undefined;
  /** Heads already verified earlier (e.g. the server's stored head); those chains continue from there. */
  readonly previous?: ReadonlyMap<string, ChainHead>;
  /** Defaults to noble; Node code may pass the node:crypto verifier (src/node/verify.node.ts). */
  readonly verifier?: SignatureVerifier;
  /** Record hashing; defaults to noble. Node code may pass node:crypto's (nodeSha256): same bytes, faster. */
  readonly sha256?: Sha256;
  /**
   * 'refuse' (default): a v3 record no seal in the input covers is `unsealed`. 'allow':
   * the device's own newest records, not sealed yet (the Activity page, an upload's
   * records before its closing seal is checked).
   */
  readonly unsealedTail?: 'refuse' | 'allow';
  /** Items already inspected (inspectAhead), so this call only walks them. */
  readonly inspected?: InspectionCache;
}

/**
 * inspectItem's successes for items checked ahead of time, by item (the same object, so
 * the same answer: inspection depends on nothing but the item and the keys). The server
 * checks an upload's records this way before it takes the org's log lock, so the lock
 * covers only the walk and the insert. Failures are not kept: a failure's message names
 * the item's position, which only the verifying call knows; it inspects those again.
 */
export type InspectionCache = ReadonlyMap<unknown, Inspected>;

export function inspectAhead(items: readonly unknown[], publicKeyFor: (deviceId: string) => Uint8Array | undefined, sha?: Sha256): InspectionCache {
  const out = new Map<unknown, Inspected>();
  for (let i = 0; i < items.length; i++) {
    const x = inspectItem(items[i], i, publicKeyFor, sha);
    if (x.ok) out.set(items[i], x);
  }
  return out;
}

function fail(index: number, reason: ChainFailureReason, message: string, r?: { seq: number; device: string }): ChainFailure {
  return r ? { ok: false, index, seq: r.seq, device: r.device, reason, message } : { ok: false, index, reason, message };
}

/** A failure that depends on whether (device, seq) appears later in the input. */
export interface PendingFailure {
  readonly failure: ChainFailure;
  readonly lookFor: { readonly device: string; readonly seq: number };
  /** The verdict if it does appear later. */
  readonly ifFound: ChainFailure;
}

export type StepResult = ChainFailure | PendingFailure | undefined;

export function isPending(x: StepResult): x is PendingFailure {
  return x !== undefined && 'lookFor' in x;
}

/** Does this raw item name (device, seq) as a record? For resolving a PendingFailure. */
export function itemIsRecord(x: unknown, device: string, seq: number): boolean {
  if (typeof x !== 'object' || x === null || isSealShaped(x)) return false;
  const r = x as { device?: unknown; seq?: unknown };
  return r.device === device && r.seq === seq;
}

interface DeviceState {
  seq: number;
  hash: string;
  /** Highest seq covered by a signature (its own for v1/v2, a seal for v3). */
  sealedThrough: number;
  /** The chain switched to v3 at some record: older versions may not follow. */
  v3: boolean;
  /** Hashes of records after sealedThrough, by seq (a seal may cover any of them). */
  readonly window: Map<number, string>;
  /** Input index of the first record after sealedThrough. */
  firstUnsealedIndex: number;
  /** Hashes accepted in this run, to tell a fork from a duplicate (bounded: see MAX_SEEN). */
  readonly seen: Map<number, string>;
}

/** Per device, how many accepted hashes are remembered to tell a fork from a duplicate. */
const MAX_SEEN = 4096;
/**
 * Most v3 records of one device a verifier holds unsealed (devices seal at least every
 * 256 records and each upload batch of at most 1,000): more is refused as `unsealed`
 * rather than held in memory without end.
 */
export const MAX_UNSEALED_RUN = 65_536;

/** A record or seal whose shape, device and hash are fine; its signature is still to be checked. */
export type Inspected =
  | { readonly ok: true; readonly kind: 'record'; readonly record: AuditRecord; readonly check?: SignatureCheck }
  | { readonly ok: true; readonly kind: 'seal'; readonly seal: AuditSeal; readonly check: SignatureCheck };

export interface SignatureCheck {
  readonly signature: Uint8Array;
  readonly message: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Stateless per-item checks (parallelisable): shape, known device, hash; what a signature must verify. */
export function inspectItem(input: unknown, index: number, publicKeyFor: (deviceId: string) => Uint8Array | undefined, sha?: Sha256): Inspected | ChainFailure {
  if (isSealShaped(input)) {
    const parsed = parseAuditSeal(input);
    if (!parsed.success) return fail(index, 'malformed', `Item ${index + 1} is not a valid seal (field ${issueField(parsed.error)}).`);
    const s = parsed.data;
    const publicKey = publicKeyFor(s.device);
    if (!publicKey) return fail(index, 'unknown_device', `No public key is known for device ${s.device}.`, s);
    return { ok: true, kind: 'seal', seal: s, check: { signature: hexToBytes(s.sig), message: sealSignatureInput(s), publicKey } };
  }
  const parsed = parseAuditRecord(input);
  if (!parsed.success) {
    const where = issueField(parsed.error);
    return fail(index, 'malformed', `Record ${index + 1} is not a valid audit record (field ${where}).`);
  }
  return inspectRecord(parsed.data, index, publicKeyFor, sha);
}

/** inspectItem's checks after the shape: for a record already parsed (a verifier's fast path for a line). */
export function inspectRecord(r: AuditRecord, index: number, publicKeyFor: (deviceId: string) => Uint8Array | undefined, sha?: Sha256): Inspected | ChainFailure {
  const publicKey = publicKeyFor(r.device);
  if (!publicKey) return fail(index, 'unknown_device', `No public key is known for device ${r.device}.`, r);
  const hash = computeRecordHashHex(r, sha);
  if (hash !== r.hash) return fail(index, 'bad_hash', `Record ${r.seq} of device ${r.device} does not match its hash: it was altered.`, r);
  if (r.v === 3) return { ok: true, kind: 'record', record: r };
  return { ok: true, kind: 'record', record: r, check: { signature: hexToBytes(r.sig), message: recordSignatureInput(hexToBytes(hash)), publicKey } };
}

export function badSignature(index: number, x: Inspected): ChainFailure {
  if (x.kind === 'seal') return fail(index, 'bad_signature', `The seal over record ${x.seal.seq} of device ${x.seal.device} has no valid signature by that device's key.`, x.seal);
  return fail(index, 'bad_signature', `Record ${x.record.seq} of device ${x.record.device} has no valid signature by that device's key.`, x.record);
}

/** What the position checks read of a record: a worker may hand back only this, not the whole record. */
export type RecordLink = Pick<AuditRecord, 'v' | 'seq' | 'device' | 'hash' | 'prevHash'>;
/** What the position checks read of a seal (its signature was checked before). */
export type SealLink = Pick<AuditSeal, 'seq' | 'device' | 'hash'>;
export type WalkItem = { readonly kind: 'record'; readonly record: RecordLink } | { readonly kind: 'seal'; readonly seal: SealLink };

/**
 * The position checks, fed inspected (and signature-checked) items in input order.
 * Memory: per device a head, a window of unsealed hashes, and a bounded fork memory.
 */
export class ChainWalker {
  private readonly devices = new Map<string, DeviceState>();
  count = 0;

  constructor(
    previous: ReadonlyMap<string, ChainHead> | undefined,
    private readonly unsealedTail: 'refuse' | 'allow' = 'refuse',
  ) {
    for (const [d, h] of previous ?? []) this.devices.set(d, this.fresh(h));
  }

  private fresh(h: ChainHead | undefined): DeviceState {
    return { seq: h?.seq ?? 0, hash: h?.hash ?? GENESIS_PREV_HASH, sealedThrough: h?.seq ?? 0, v3: false, window: new Map(), firstUnsealedIndex: -1, seen: new Map() };
  }

  private state(device: string): DeviceState {
    let s = this.devices.get(device);
    if (!s) this.devices.set(device, (s = this.fresh(undefined)));
    return s;
  }

  step(i: number, x: WalkItem): StepResult {
    return x.kind === 'record' ? this.record(i, x.record) : this.seal(i, x.seal);
  }

  private record(i: number, r: RecordLink): StepResult {
    const st = this.state(r.device);
    const expected = st.seq + 1;
    if (r.seq < expected) {
      const earlier = st.seen.get(r.seq) ?? (st.seq === r.seq ? st.hash : undefined);
      if (earlier === r.hash) return fail(i, 'duplicate', `Record ${r.seq} of device ${r.device} appears twice.`, r);
      if (earlier !== undefined) return fail(i, 'fork', `Device ${r.device} has two different records numbered ${r.seq}: its history was forked.`, r);
      return fail(i, 'stale', `Record ${r.seq} of device ${r.device} is older than the verified head ${expected - 1}.`, r);
    }
    if (r.seq > expected) {
      return {
        failure: fail(i, 'gap', `Device ${r.device} jumps from record ${expected - 1} to ${r.seq}: record ${expected} is missing.`, r),
        lookFor: { device: r.device, seq: expected },
        ifFound: fail(i, 'reorder', `Record ${r.seq} of device ${r.device} comes before record ${expected}: records were reordered.`, r),
      };
    }
    if (r.prevHash !== st.hash) return fail(i, 'bad_prev_link', `Record ${r.seq} of device ${r.device} does not link to record ${r.seq - 1}.`, r);
    if (r.v !== 3 && st.v3) {
      return fail(i, 'downgrade', `Record ${r.seq} of device ${r.device} is version ${r.v} after the chain moved to version 3: older versions may not follow.`, r);
    }
    st.seq = r.seq;
    st.hash = r.hash;
    if (st.seen.size >= MAX_SEEN) st.seen.clear();
    st.seen.set(r.seq, r.hash);
    if (r.v === 3) {
      st.v3 = true;
      if (st.window.size === 0) st.firstUnsealedIndex = i;
      if (this.unsealedTail === 'refuse' && st.window.size >= MAX_UNSEALED_RUN) {
        return fail(i, 'unsealed', `Device ${r.device} has more than ${MAX_UNSEALED_RUN} records in a row that no seal covers.`, r);
      }
      st.window.set(r.seq, r.hash);
    } else {
      // A v1/v2 record carries its own (already checked) signature.
      st.sealedThrough = r.seq;
    }
    this.count++;
    return undefined;
  }

  private seal(i: number, s: SealLink): StepResult {
    const st = this.state(s.device);
    if (s.seq > st.seq) {
      return {
        failure: fail(i, 'truncated', `Device ${s.device} signed its chain through record ${s.seq}, but the input holds only up to ${st.seq}: records were removed.`, s),
        lookFor: { device: s.device, seq: s.seq },
        ifFound: fail(i, 'reorder', `The seal over record ${s.seq} of device ${s.device} comes before that record: records were reordered.`, s),
      };
    }
    if (s.seq <= st.sealedThrough) {
      return fail(i, 'stale', `The seal over record ${s.seq} of device ${s.device} covers records already covered through ${st.sealedThrough}.`, s);
    }
    const covered = st.window.get(s.seq);
    if (covered !== s.hash) {
      return fail(i, 'seal_mismatch', `Device ${s.device} signed a different record ${s.seq} than the one in the input: records up to ${s.seq} were altered and re-hashed.`, s);
    }
    for (const seq of st.window.keys()) if (seq <= s.seq) st.window.delete(seq);
    st.sealedThrough = s.seq;
    return undefined;
  }

  /** After the last item: every v3 record must be sealed, unless the tail may be unsealed. */
  finish(): ChainFailure | undefined {
    if (this.unsealedTail === 'allow') return undefined;
    let worst: ChainFailure | undefined;
    for (const [device, st] of this.devices) {
      if (st.window.size === 0) continue;
      const first = st.sealedThrough + 1;
      const f = fail(
        st.firstUnsealedIndex,
        'unsealed',
        `Records ${first} to ${st.seq} of device ${device} are covered by no signature of that device: its seal was removed or never made.`,
        { seq: first, device },
      );
      if (!worst || f.index < worst.index) worst = f;
    }
    return worst;
  }

  heads(): Map<string, ChainHead> {
    return new Map([...this.devices].map(([d, s]) => [d, { seq: s.seq, hash: s.hash }]));
  }
}

/** Resolves a PendingFailure by looking at the items after it. */
function resolve(p: PendingFailure, rest: Iterable<unknown>): ChainFailure {
  for (const x of rest) if (itemIsRecord(x, p.lookFor.device, p.lookFor.seq)) return p.ifFound;
  return p.failure;
}

function* after(items: readonly unknown[], i: number): Iterable<unknown> {
  for (let j = i + 1; j < items.length; j++) yield items[j];
}

/**
 * Verifies records and seals from any number of devices, interleaved in any order
 * across devices but in sequence order within each device. Returns the first bad item.
 */
export function verifyChain(items: readonly unknown[], options: VerifyChainOptions): ChainResult {
  const verifier = options.verifier ?? nobleEd25519Verify;
  const walker = new ChainWalker(options.previous, options.unsealedTail);
  const records: AuditRecord[] = [];
  const seals: AuditSeal[] = [];
  for (let i = 0; i < items.length; i++) {
    const x = options.inspected?.get(items[i]) ?? inspectItem(items[i], i, options.publicKeyFor, options.sha256);
    if (!x.ok) return x;
    if (x.check && !verifier(x.check.signature, x.check.message, x.check.publicKey)) return badSignature(i, x);
    const bad = walker.step(i, x);
    if (bad) return isPending(bad) ? resolve(bad, after(items, i)) : bad;
    if (x.kind === 'record') records.push(x.record);
    else seals.push(x.seal);
  }
  const tail = walker.finish();
  if (tail) return tail;
  return { ok: true, count: walker.count, heads: walker.heads(), records, seals };
}

/** Verifies many signatures at once (e.g. on worker threads); result i is for item i. */
export type BatchSignatureVerifier = (items: readonly SignatureCheck[]) => Promise<readonly boolean[]>;

export interface VerifyChainBatchedOptions extends Omit<VerifyChainOptions, 'verifier'> {
  readonly verifyMany: BatchSignatureVerifier;
  /** Items per verifyMany call; chunks are dispatched while later items are still being hashed. */
  readonly chunkSize?: number;
}

/**
 * Same result as verifyChain (same first bad item and reason), but signatures are
 * checked in chunks by an injected batch verifier, which may run them in parallel
 * (src/node/verify.node.ts: worker threads). Shape and hash checks stay on this thread.
 */
export async function verifyChainBatched(items: readonly unknown[], options: VerifyChainBatchedOptions): Promise<ChainResult> {
  const chunkSize = Math.max(1, options.chunkSize ?? 1024);
  const inspected: (Inspected | ChainFailure)[] = [];
  const pending: Promise<readonly boolean[]>[] = [];
  let firstBad = items.length;
  for (let start = 0; start < items.length && start < firstBad; start += chunkSize) {
    const checks: SignatureCheck[] = [];
    for (let i = start; i < Math.min(start + chunkSize, firstBad); i++) {
      const x = inspectItem(items[i], i, options.publicKeyFor, options.sha256);
      inspected.push(x);
      if (!x.ok)
        firstBad = i; // nothing after the first malformed or altered item matters
      else if (x.check) checks.push(x.check);
    }
    pending.push(checks.length > 0 ? options.verifyMany(checks) : Promise.resolve([]));
  }
  const results = (await Promise.all(pending)).flat();
  const walker = new ChainWalker(options.previous, options.unsealedTail);
  const records: AuditRecord[] = [];
  const seals: AuditSeal[] = [];
  let k = 0;
  for (let i = 0; i < inspected.length; i++) {
    const x = inspected[i]!;
    if (!x.ok) return x;
    if (x.check && results[k++] !== true) return badSignature(i, x);
    const bad = walker.step(i, x);
    if (bad) return isPending(bad) ? resolve(bad, after(items, i)) : bad;
    if (x.kind === 'record') records.push(x.record);
    else seals.push(x.seal);
  }
  const tail = walker.finish();
  if (tail) return tail;
  return { ok: true, count: walker.count, heads: walker.heads(), records, seals };
}

export interface AppendCheckSuccess {
  readonly ok: true;
  /** Records beyond `lastKnown`, in order: what the server should store. */
  readonly fresh: readonly AuditRecord[];
  /** The batch's seals, checked against the records they cover: what the server should store with them. */
  readonly seals: readonly AuditSeal[];
  /** Records the server already holds (a retried upload), identical to what it stored. */
  readonly alreadyHeld: number;
  /** The device's head after this batch. */
  readonly head: ChainHead | undefined;
}

export interface VerifyAppendOptions {
  /** The authenticated device uploading; every record must be this device's. */
  readonly deviceId: string;
  /**
   * Hashes the server already stores for this device, by seq, for any seq in the batch
   * at or below `lastKnown.seq` — lets a retried upload (e.g. after the server was
   * killed mid-push) be accepted idempotently instead of refused.
   */
  readonly stored?: ReadonlyMap<number, string>;
  readonly verifier?: SignatureVerifier;
  /** As in VerifyChainOptions: the server passes node:crypto's. */
  readonly sha256?: Sha256;
  /** As in VerifyChainOptions: records and seals inspected ahead (inspectAhead, with this device's key). */
  readonly inspected?: InspectionCache;
}

/**
 * Server-side check of one device's upload batch against the head the server holds.
 * The batch is the device's records, then the seals over them (docs/sync-protocol.md):
 * every v3 record must be covered by a seal of the batch, so the server never holds an
 * unsigned record. Refuses gaps, forks, reordering, foreign records, bad hashes and
 * signatures; a leading run of records the server already holds identically (and the
 * seals over only those) is tolerated.
 */
export function verifyAppend(
  lastKnown: ChainHead | undefined,
  batch: readonly unknown[],
  publicKey: Uint8Array,
  options: VerifyAppendOptions & { readonly seals?: readonly unknown[] },
): AppendCheckSuccess | ChainFailure {
  const verifier = options.verifier ?? nobleEd25519Verify;
  const keyFor = (d: string) => (d === options.deviceId ? publicKey : undefined);
  const asWrongDevice = (f: ChainFailure): ChainFailure =>
    f.reason === 'unknown_device'
      ? {
          ...f,
          reason: 'wrong_device',
          message: `${f.seq !== undefined ? `Record ${f.seq}` : `Item ${f.index + 1}`} belongs to device ${f.device ?? '?'}, not to the uploading device.`,
        }
      : f;
  let skip = 0;
  let prevSeq: number | undefined;
  // Leading records at or below the stored head must equal what is stored.
  for (; skip < batch.length; skip++) {
    const x = options.inspected?.get(batch[skip]) ?? inspectItem(batch[skip], skip, keyFor, options.sha256);
    if (!x.ok) return asWrongDevice(x);
    if (x.kind === 'seal') return fail(skip, 'malformed', `Item ${skip + 1} of the records is a seal; seals travel in "seals".`, x.seal);
    if (x.check && !verifier(x.check.signature, x.check.message, x.check.publicKey)) return badSignature(skip, x);
    const r = x.record;
    if (!lastKnown || r.seq > lastKnown.seq) break;
    if (prevSeq !== undefined && prevSeq + 1 !== r.seq) {
      return fail(skip, 'reorder', `Records in the batch are not in sequence order at ${r.seq}.`, r);
    }
    const storedHash = r.seq === lastKnown.seq ? lastKnown.hash : options.stored?.get(r.seq);
    if (storedHash === undefined) return fail(skip, 'stale', `Record ${r.seq} is at or below the stored head ${lastKnown.seq}; send only newer records.`, r);
    if (storedHash !== r.hash) return fail(skip, 'fork', `Device ${r.device} sent a different record ${r.seq} than the one already stored: its history was forked.`, r);
    prevSeq = r.seq;
  }
  const rest = batch.slice(skip);
  // Seals over records the server already holds (a retry) were checked when first stored.
  const seals = (options.seals ?? []).filter(
    (s) => !(lastKnown && typeof s === 'object' && s !== null && typeof (s as { seq?: unknown }).seq === 'number' && (s as { seq: number }).seq <= lastKnown.seq),
  );
  for (const s of seals) if (!isSealShaped(s)) return fail(batch.length, 'malformed', 'An item of "seals" is not a seal.');
  const items = [...rest, ...seals];
  const previous = new Map<string, ChainHead>(lastKnown ? [[options.deviceId, lastKnown]] : []);
  const result = verifyChain(items, {
    publicKeyFor: keyFor,
    previous,
    verifier,
    ...(options.sha256 ? { sha256: options.sha256 } : {}),
    ...(options.inspected ? { inspected: options.inspected } : {}),
  });
  if (!result.ok) return asWrongDevice({ ...result, index: result.index + skip });
  return { ok: true, fresh: result.records, seals: result.seals, alreadyHeld: skip, head: result.heads.get(options.deviceId) };
}
