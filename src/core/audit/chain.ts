/**
 * Chain verification: the same code runs in the engine (self-check), the server
 * (every upload, via verifyAppend) and the CLI (offline export check), so all three
 * agree on what a bad record is and name it the same way.
 *
 * Order of checks per record, so the reported reason is the most specific one:
 * shape (malformed) → device known → hash recomputed (bad_hash) → signature over the
 * hash (bad_signature) → position in its device's chain (gap, reorder, fork,
 * duplicate, bad_prev_link).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { auditRecordSchema, computeRecordHash, GENESIS_PREV_HASH, issueField, recordSignatureInput, type AuditRecord } from './record';
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
] as const;
export type ChainFailureReason = (typeof CHAIN_FAILURE_REASONS)[number];

/** The last verified record of one device's chain. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export interface ChainFailure {
  readonly ok: false;
  /** Position of the bad record in the input (0-based). */
  readonly index: number;
  readonly seq?: number;
  readonly device?: string;
  readonly reason: ChainFailureReason;
  /** One sentence for a person; holds no record content beyond ids and numbers. */
  readonly message: string;
}

export interface ChainSuccess {
  readonly ok: true;
  readonly count: number;
  /** Per device, the head after the last record checked (devices in `previous` included). */
  readonly heads: ReadonlyMap<string, ChainHead>;
  /** The parsed records, in input order. */
  readonly records: readonly AuditRecord[];
}

export type ChainResult = ChainSuccess | ChainFailure;

export interface VerifyChainOptions {
  /** The device's 32-byte Ed25519 public key, or undefined if the device is unknown. */
  publicKeyFor(deviceId: string): Uint8Array | undefined;
  /** Heads already verified earlier (e.g. the last checkpoint); those chains continue from there. */
  readonly previous?: ReadonlyMap<string, ChainHead>;
  /** Defaults to noble; Node code may pass the node:crypto verifier (verify.node.ts). */
  readonly verifier?: SignatureVerifier;
}

function fail(index: number, reason: ChainFailureReason, message: string, r?: { seq: number; device: string }): ChainFailure {
  return r ? { ok: false, index, seq: r.seq, device: r.device, reason, message } : { ok: false, index, reason, message };
}

/** A record whose shape, device and hash are fine; its signature is still to be checked. */
interface Inspected {
  readonly ok: true;
  readonly record: AuditRecord;
  readonly signature: Uint8Array;
  /** recordSignatureInput(hash): what the device key signed. */
  readonly message: Uint8Array;
  readonly publicKey: Uint8Array;
}

function inspectRecord(input: unknown, index: number, publicKeyFor: (deviceId: string) => Uint8Array | undefined): Inspected | ChainFailure {
  const parsed = auditRecordSchema.safeParse(input);
  if (!parsed.success) {
    const where = issueField(parsed.error);
    return fail(index, 'malformed', `Record ${index + 1} is not a valid audit record (field ${where}).`);
  }
  const r = parsed.data;
  const publicKey = publicKeyFor(r.device);
  if (!publicKey) return fail(index, 'unknown_device', `No public key is known for device ${r.device}.`, r);
  const hash = computeRecordHash(r);
  if (bytesToHex(hash) !== r.hash) return fail(index, 'bad_hash', `Record ${r.seq} of device ${r.device} does not match its hash: it was altered.`, r);
  return { ok: true, record: r, signature: hexToBytes(r.sig), message: recordSignatureInput(hash), publicKey };
}

const badSignature = (index: number, r: AuditRecord): ChainFailure =>
  fail(index, 'bad_signature', `Record ${r.seq} of device ${r.device} has no valid signature by that device's key.`, r);

/** Checks one record's own integrity: schema, hash, signature. */
export function checkRecord(
  input: unknown,
  index: number,
  publicKeyFor: (deviceId: string) => Uint8Array | undefined,
  verifier: SignatureVerifier,
): { ok: true; record: AuditRecord } | ChainFailure {
  const x = inspectRecord(input, index, publicKeyFor);
  if (!x.ok) return x;
  if (!verifier(x.signature, x.message, x.publicKey)) return badSignature(index, x.record);
  return { ok: true, record: x.record };
}

/** The position checks (gap, reorder, fork, duplicate, link), fed records in input order. */
class ChainWalker {
  readonly heads: Map<string, ChainHead>;
  readonly accepted: AuditRecord[] = [];
  // (device, seq) -> hash of every record accepted so far, to tell a fork from a duplicate.
  private readonly seen = new Map<string, Map<number, string>>();
  // Which (device, seq) pairs appear anywhere in the input, to tell a reorder from a gap.
  private readonly present = new Map<string, Set<number>>();

  constructor(records: readonly unknown[], previous: ReadonlyMap<string, ChainHead> | undefined) {
    this.heads = new Map(previous ?? []);
    for (const x of records) {
      if (typeof x !== 'object' || x === null) continue;
      const { device, seq } = x as { device?: unknown; seq?: unknown };
      if (typeof device !== 'string' || typeof seq !== 'number') continue;
      let set = this.present.get(device);
      if (!set) this.present.set(device, (set = new Set()));
      set.add(seq);
    }
  }

  step(i: number, r: AuditRecord): ChainFailure | undefined {
    const head = this.heads.get(r.device);
    const expected = head ? head.seq + 1 : 1;
    let byDevice = this.seen.get(r.device);
    if (!byDevice) this.seen.set(r.device, (byDevice = new Map<number, string>()));
    if (r.seq < expected) {
      const earlier = byDevice.get(r.seq) ?? (head && head.seq === r.seq ? head.hash : undefined);
      if (earlier === r.hash) return fail(i, 'duplicate', `Record ${r.seq} of device ${r.device} appears twice.`, r);
      if (earlier !== undefined) return fail(i, 'fork', `Device ${r.device} has two different records numbered ${r.seq}: its history was forked.`, r);
      return fail(i, 'stale', `Record ${r.seq} of device ${r.device} is older than the verified head ${expected - 1}.`, r);
    }
    if (r.seq > expected) {
      if (this.present.get(r.device)?.has(expected)) {
        return fail(i, 'reorder', `Record ${r.seq} of device ${r.device} comes before record ${expected}: records were reordered.`, r);
      }
      return fail(i, 'gap', `Device ${r.device} jumps from record ${expected - 1} to ${r.seq}: record ${expected} is missing.`, r);
    }
    if (r.prevHash !== (head ? head.hash : GENESIS_PREV_HASH)) {
      return fail(i, 'bad_prev_link', `Record ${r.seq} of device ${r.device} does not link to record ${r.seq - 1}.`, r);
    }
    this.heads.set(r.device, { seq: r.seq, hash: r.hash });
    byDevice.set(r.seq, r.hash);
    this.accepted.push(r);
    return undefined;
  }

  success(): ChainSuccess {
    return { ok: true, count: this.accepted.length, heads: this.heads, records: this.accepted };
  }
}

/**
 * Verifies records from any number of devices, interleaved in any order across
 * devices but in sequence order within each device. Returns the first bad record.
 */
export function verifyChain(records: readonly unknown[], options: VerifyChainOptions): ChainResult {
  const verifier = options.verifier ?? nobleEd25519Verify;
  const walker = new ChainWalker(records, options.previous);
  for (let i = 0; i < records.length; i++) {
    const checked = checkRecord(records[i], i, options.publicKeyFor, verifier);
    if (!checked.ok) return checked;
    const bad = walker.step(i, checked.record);
    if (bad) return bad;
  }
  return walker.success();
}

export interface SignatureCheck {
  readonly signature: Uint8Array;
  readonly message: Uint8Array;
  readonly publicKey: Uint8Array;
}
/** Verifies many signatures at once (e.g. on worker threads); result i is for item i. */
export type BatchSignatureVerifier = (items: readonly SignatureCheck[]) => Promise<readonly boolean[]>;

export interface VerifyChainBatchedOptions extends Omit<VerifyChainOptions, 'verifier'> {
  readonly verifyMany: BatchSignatureVerifier;
  /** Records per verifyMany call; chunks are dispatched while later records are still being hashed. */
  readonly chunkSize?: number;
}

/**
 * Same result as verifyChain (same first bad record and reason), but signatures are
 * checked in chunks by an injected batch verifier, which may run them in parallel
 * (verify.node.ts: worker threads). Shape and hash checks stay on this thread.
 */
export async function verifyChainBatched(records: readonly unknown[], options: VerifyChainBatchedOptions): Promise<ChainResult> {
  const chunkSize = Math.max(1, options.chunkSize ?? 1024);
  const inspected: (Inspected | ChainFailure)[] = [];
  const pending: Promise<readonly boolean[]>[] = [];
  let firstBad = records.length;
  for (let start = 0; start < records.length && start < firstBad; start += chunkSize) {
    const items: SignatureCheck[] = [];
    for (let i = start; i < Math.min(start + chunkSize, firstBad); i++) {
      const x = inspectRecord(records[i], i, options.publicKeyFor);
      inspected.push(x);
      if (x.ok) items.push(x);
      else firstBad = i; // nothing after the first malformed or altered record matters
    }
    pending.push(items.length > 0 ? options.verifyMany(items) : Promise.resolve([]));
  }
  const results = (await Promise.all(pending)).flat();
  const walker = new ChainWalker(records, options.previous);
  let k = 0;
  for (let i = 0; i < inspected.length; i++) {
    const x = inspected[i]!;
    if (!x.ok) return x;
    if (results[k++] !== true) return badSignature(i, x.record);
    const bad = walker.step(i, x.record);
    if (bad) return bad;
  }
  return walker.success();
}

export interface AppendCheckSuccess {
  readonly ok: true;
  /** Records beyond `lastKnown`, in order: what the server should store. */
  readonly fresh: readonly AuditRecord[];
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
}

/**
 * Server-side check of one device's upload batch against the head the server holds.
 * Refuses gaps, forks, reordering, foreign records, bad hashes and signatures; a
 * leading run of records the server already holds identically is tolerated.
 */
export function verifyAppend(lastKnown: ChainHead | undefined, batch: readonly unknown[], publicKey: Uint8Array, options: VerifyAppendOptions): AppendCheckSuccess | ChainFailure {
  const verifier = options.verifier ?? nobleEd25519Verify;
  const keyFor = (d: string) => (d === options.deviceId ? publicKey : undefined);
  const asWrongDevice = (f: ChainFailure): ChainFailure =>
    f.reason === 'unknown_device' ? { ...f, reason: 'wrong_device', message: `Record ${f.seq ?? '?'} belongs to device ${f.device ?? '?'}, not to the uploading device.` } : f;
  let skip = 0;
  let prevSeq: number | undefined;
  // Leading records at or below the stored head must equal what is stored.
  for (; skip < batch.length; skip++) {
    const checked = checkRecord(batch[skip], skip, keyFor, verifier);
    if (!checked.ok) return asWrongDevice(checked);
    const r = checked.record;
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
  const previous = new Map<string, ChainHead>(lastKnown ? [[options.deviceId, lastKnown]] : []);
  const result = verifyChain(rest, { publicKeyFor: keyFor, previous, verifier });
  if (!result.ok) return asWrongDevice({ ...result, index: result.index + skip });
  return { ok: true, fresh: result.records, alreadyHeld: skip, head: result.heads.get(options.deviceId) };
}
