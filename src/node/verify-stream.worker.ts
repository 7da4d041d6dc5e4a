/**
 * Worker thread of the streaming verifier (verify-stream.ts): for a chunk of export
 * lines, the stateless per-line checks — strict JSON, schema, hash, and the signature of
 * a v1/v2 record or a seal (node:crypto) — and back the parsed item or the failure.
 * What depends on order (links, seals, gaps) stays on the main thread.
 *
 * The chunk travels as the file's bytes (transferred, not copied), cut after a line
 * break: decoding, splitting and blank-line bookkeeping happen here, so the main thread,
 * which walks every result in order and was the bottleneck, only reads and cuts. The
 * answer is a few typed arrays and one string of hashes (PackedResults): structured-cloning
 * thousands of small strings and objects each way cost as much as checking the lines did.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { badSignature, inspectItem, inspectRecord, type ChainFailure, type Inspected, type WalkItem } from '../core/audit/chain';
import { fastRecordLine } from '../core/audit/record-line';
import type { AuditRecord } from '../core/audit/record';
import { tryParseStrictJson } from '../shared/encoding/strict-json';
import { createNodeEd25519Verifier, nodeSha256 } from './verify.node.js';

/**
 * Only what the main thread's walk reads goes back (device, seq, hashes). `full`: the
 * whole record, for those with a receipt or an approval key (checked in order on the main thread).
 */
export type LineResult = ({ readonly ok: true; readonly full?: AuditRecord } & WalkItem) | LineFailure;
/**
 * A chunk's items are numbered from 0 here (how many items earlier chunks hold is known
 * only once they are walked), so a failure carries its line's text: the main thread checks
 * that one line again at its real index, for the index and message a whole-file check gives.
 */
type LineFailure = { readonly lineError?: string; readonly text?: string } & ChainFailure;

export interface ChunkRequest {
  readonly id: number;
  /** UTF-8 bytes of whole lines (the last one may lack its line break only at the end of the file). */
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** What a worker is started with (workerData): the trusted device keys, sent once. */
export interface WorkerStart {
  readonly keys: Readonly<Record<string, Uint8Array>>;
}

const KIND_RECORD = 0;
const KIND_SEAL = 1;
/** A failure or a record the main thread needs whole: in `other`. */
const KIND_OTHER = 2;
const HASH_HEX = 64;

/** One chunk's results, packed; read them back with resultAt. */
export interface PackedResults {
  readonly n: number;
  readonly kinds: Uint8Array<ArrayBuffer>;
  readonly versions: Uint8Array<ArrayBuffer>;
  readonly seqs: Float64Array<ArrayBuffer>;
  /** Per line, the index of its device in `devices`. */
  readonly deviceAt: Uint32Array<ArrayBuffer>;
  readonly devices: readonly string[];
  /** Per record hash then prevHash, per seal its hash, in line order (64 hex digits each). */
  readonly hashes: string;
  /** Per line of kind KIND_OTHER, in line order, its whole result. */
  readonly other: readonly LineResult[];
}

const verify = createNodeEd25519Verifier();

function inspectLine(text: string, index: number, keyFor: (d: string) => Uint8Array | undefined): Inspected | LineFailure {
  const fast = fastRecordLine(text);
  if (fast) return inspectRecord(fast, index, keyFor, nodeSha256);
  const parsed = tryParseStrictJson(text);
  if (!parsed.ok) return { ok: false, index, reason: 'malformed', message: '', lineError: parsed.reason === 'syntax' ? 'syntax' : parsed.message };
  return inspectItem(parsed.value, index, keyFor, nodeSha256);
}

function checkLine(text: string, index: number, keyFor: (d: string) => Uint8Array | undefined): LineResult {
  const x = inspectLine(text, index, keyFor);
  if (!x.ok) return x;
  if (x.check && !verify(x.check.signature, x.check.message, x.check.publicKey)) return badSignature(index, x);
  if (x.kind === 'seal') return { ok: true, kind: 'seal', seal: { device: x.seal.device, seq: x.seal.seq, hash: x.seal.hash } };
  const { v, seq, device, hash, prevHash } = x.record;
  const r = x.record;
  const full = r.v === 3 && (r.receipt !== undefined || r.approvalKey !== undefined || r.action === 'approval_key.add') ? { full: r } : {};
  return { ok: true, kind: 'record', record: { v, seq, device, hash, prevHash }, ...full };
}

/** One line's checks at its index in the whole input (the main thread's re-check of a failure). */
export function checkLineAt(text: string, index: number, keys: Readonly<Record<string, Uint8Array>>): LineResult {
  return checkLine(text, index, (d) => keys[d]);
}

/**
 * The items of a chunk's text and the line (1-based, in the chunk) each is on. Line breaks
 * as readline has them: "\n", "\r\n" and a lone "\r"; blank lines are no item.
 */
function splitChunk(text: string): { readonly items: string[]; readonly lineOf: number[]; readonly lineCount: number } {
  const rows = text.split('\n');
  // What follows the chunk's last "\n" is nothing, or the file's unterminated last line.
  if (rows[rows.length - 1] === '') rows.pop();
  const items: string[] = [];
  const lineOf: number[] = [];
  let line = 0;
  for (const row of rows) {
    const r = row.endsWith('\r') ? row.slice(0, -1) : row;
    for (const part of r.includes('\r') ? r.split('\r') : [r]) {
      line++;
      if (part.trim() === '') continue;
      items.push(part);
      lineOf.push(line);
    }
  }
  return { items, lineOf, lineCount: line };
}

/** PackedResults of a chunk, with where its items are: the line of each (in the chunk) and how many lines it holds. */
export interface PackedChunk extends PackedResults {
  readonly lineOf: Uint32Array<ArrayBuffer>;
  readonly lineCount: number;
}

/** Every check of one chunk of the file, items numbered from 0 (see LineFailure). */
export function checkChunk(bytes: Uint8Array, keys: Readonly<Record<string, Uint8Array>>): PackedChunk {
  // Buffer's decoder, not TextDecoder: a byte-order mark stays in the line, as the read stream kept it.
  const split = splitChunk(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  const keyFor = (d: string) => keys[d];
  const results = split.items.map((text, k): LineResult => {
    const r = checkLine(text, k, keyFor);
    return r.ok ? r : { ...r, text };
  });
  return { ...packResults(results), lineOf: Uint32Array.from(split.lineOf), lineCount: split.lineCount };
}

export function packResults(results: readonly LineResult[]): PackedResults {
  const n = results.length;
  const kinds = new Uint8Array(n);
  const versions = new Uint8Array(n);
  const seqs = new Float64Array(n);
  const deviceAt = new Uint32Array(n);
  const devices: string[] = [];
  const deviceIndex = new Map<string, number>();
  const other: LineResult[] = [];
  let hashes = '';
  const indexOf = (d: string): number => {
    let i = deviceIndex.get(d);
    if (i === undefined) deviceIndex.set(d, (i = devices.push(d) - 1));
    return i;
  };
  for (let k = 0; k < n; k++) {
    const r = results[k]!;
    // A hash of another length cannot pass the schema; packing it as "other" keeps the fixed width honest anyway.
    if (
      !r.ok ||
      (r.kind === 'record' && (r.full !== undefined || r.record.hash.length !== HASH_HEX || r.record.prevHash.length !== HASH_HEX)) ||
      (r.kind === 'seal' && r.seal.hash.length !== HASH_HEX)
    ) {
      kinds[k] = KIND_OTHER;
      other.push(r);
    } else if (r.kind === 'record') {
      kinds[k] = KIND_RECORD;
      versions[k] = r.record.v;
      seqs[k] = r.record.seq;
      deviceAt[k] = indexOf(r.record.device);
      hashes += r.record.hash + r.record.prevHash;
    } else {
      kinds[k] = KIND_SEAL;
      seqs[k] = r.seal.seq;
      deviceAt[k] = indexOf(r.seal.device);
      hashes += r.seal.hash;
    }
  }
  return { n, kinds, versions, seqs, deviceAt, devices, hashes, other };
}

/** Reads a PackedResults back in line order (each call is the next line's). */
export function unpacker(p: PackedResults): () => LineResult {
  let k = 0;
  let h = 0;
  let o = 0;
  return () => {
    const i = k++;
    const kind = p.kinds[i];
    if (kind === KIND_OTHER) return p.other[o++]!;
    const device = p.devices[p.deviceAt[i]!]!;
    const seq = p.seqs[i]!;
    const hash = p.hashes.slice(h, (h += HASH_HEX));
    if (kind === KIND_SEAL) return { ok: true, kind: 'seal', seal: { device, seq, hash } };
    const prevHash = p.hashes.slice(h, (h += HASH_HEX));
    return { ok: true, kind: 'record', record: { v: p.versions[i] as AuditRecord['v'], seq, device, hash, prevHash } };
  };
}

if (parentPort) {
  const port = parentPort;
  const { keys } = workerData as WorkerStart;
  port.on('message', (req: ChunkRequest) => {
    const packed = checkChunk(req.bytes, keys);
    port.postMessage({ id: req.id, packed }, [packed.kinds.buffer, packed.versions.buffer, packed.seqs.buffer, packed.deviceAt.buffer, packed.lineOf.buffer]);
  });
  port.postMessage({ ready: true });
}
