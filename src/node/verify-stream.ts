/**
 * The streaming, parallel verifier behind `latchkey audit verify` (docs/audit-format.md
 * §4, §6): reads the export in chunks of whole lines (constant memory: no chunk is kept
 * after it is walked), spreads the per-line work — decoding, strict JSON, schema, hash,
 * v1/v2 and seal signatures — over worker threads, and walks the results in input order on
 * this thread (ChainWalker: links, gaps, seals), feeding each accepted record's leaf to a
 * Merkle accumulator so every checkpoint is compared the moment its size is reached.
 * Same verdict, first bad line and reason as verifyAuditExport on the whole file.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ChainWalker, isPending, itemIsRecord, type PendingFailure } from '../core/audit/chain';
import { ReceiptChecker, receiptCounts } from '../core/audit/receipt-check';
import { auditLeafHash, checkpointKeyId, checkpointSchema, verifyCheckpointSignature, type Checkpoint, type CheckpointFailure } from '../core/audit/checkpoint';
import { MerkleAccumulator } from '../core/audit/merkle';
import type { ExportCheck } from '../core/audit/verify-export';
import { parseExportItem, type AuditExportItem } from '../core/audit/export';
import { tryParseStrictJson } from '../shared/encoding/strict-json';
import { createNodeEd25519Verifier } from './verify.node.js';
import { checkChunk, checkLineAt, unpacker, type ChunkRequest, type LineResult, type PackedChunk, type WorkerStart } from './verify-stream.worker.js';
import { lineChunker } from './line-chunks';

export interface StreamVerifyOptions {
  readonly deviceKeys: ReadonlyMap<string, Uint8Array>;
  readonly serverKeys?: readonly Uint8Array[];
  readonly checkpoints?: readonly unknown[];
  readonly log?: string;
  /** Worker threads for the per-line checks; 0 runs them on this thread. */
  readonly threads?: number;
  readonly chunkLines?: number;
  /**
   * false (default): this thread checks chunks itself until a worker has started.
   * true: every chunk waits for a worker (what tests of the worker path need).
   */
  readonly onlyWorkers?: boolean;
}

/**
 * Below this file size (about 85,000 records) the CLI checks on one thread: starting two
 * workers from source (tsx compiles their modules in each) costs about 0.7 s of CPU,
 * more than they save on a file this size (docs/performance.md, "Audit").
 */
export const PARALLEL_FROM_BYTES = 32 << 20;

/** Worker threads for a file of this size: none below PARALLEL_FROM_BYTES, else one per CPU. */
export function verifyThreadsFor(sizeBytes: number, cpus: number): number {
  return sizeBytes >= PARALLEL_FROM_BYTES ? cpus : 0;
}

/** The verdict, with the 1-based line of the first bad item (record failures). */
export type StreamCheck = ExportCheck & { readonly line?: number };

interface Pool {
  /** Checks a chunk of whole lines; `bytes` is handed over (transferred to a worker). */
  run(bytes: Uint8Array<ArrayBuffer>): Promise<PackedChunk>;
  close(): Promise<void>;
}

/** Starts a worker on the TypeScript worker module (through tsx when running from source). */
function startWorker(start: WorkerStart): Worker {
  const url = new URL('./verify-stream.worker' + (import.meta.url.endsWith('.ts') ? '.ts' : '.js'), import.meta.url);
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: start });
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(url.href)});`;
  return new Worker(new URL('data:text/javascript,' + encodeURIComponent(boot)), { workerData: start });
}

/**
 * Worker threads, and this thread until one is ready: starting a worker from source
 * (through tsx) takes most of a second, in which this thread checks the chunks itself
 * rather than wait. Chunks go round-robin to the workers that are ready.
 */
function workerPool(threads: number, keys: Readonly<Record<string, Uint8Array>>, onlyWorkers: boolean): Pool {
  // The keys go once, at start, not with every chunk.
  const workers = Array.from({ length: threads }, () => startWorker({ keys }));
  const ready: Worker[] = onlyWorkers ? workers : [];
  const waiting = new Map<number, { resolve(r: PackedChunk): void; reject(e: Error): void }>();
  let failed: Error | undefined;
  const failAll = (e: Error) => {
    failed ??= e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  for (const w of workers) {
    w.unref();
    w.on('message', (m: { id: number; packed: PackedChunk } | { ready: true }) => {
      if (!('id' in m)) {
        if (!onlyWorkers) ready.push(w);
        return;
      }
      waiting.get(m.id)?.resolve(m.packed);
      waiting.delete(m.id);
    });
    w.on('error', () => failAll(new Error('A verification worker failed.')));
    w.on('exit', () => failAll(new Error('A verification worker stopped.')));
  }
  const here = inThread(keys);
  let next = 0;
  return {
    run(bytes) {
      if (failed) return Promise.reject(failed);
      if (ready.length === 0) return here.run(bytes);
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        const req: ChunkRequest = { id, bytes };
        ready[id % ready.length]!.postMessage(req, [bytes.buffer]);
      });
    },
    async close() {
      waiting.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

const inThread = (keys: Readonly<Record<string, Uint8Array>>): Pool => ({
  run: async (bytes) => checkChunk(bytes, keys),
  close: async () => undefined,
});

type CheckpointStep = { readonly ok: true; readonly sorted: { cp: Checkpoint; index: number }[] } | CheckpointFailure;

function checkCheckpointSignatures(input: readonly unknown[], serverKeys: readonly Uint8Array[], log: string | undefined): CheckpointStep {
  const verifier = createNodeEd25519Verifier();
  const keys = new Map(serverKeys.map((k) => [checkpointKeyId(k), k] as const));
  const out: { cp: Checkpoint; index: number }[] = [];
  for (let i = 0; i < input.length; i++) {
    const r = checkpointSchema.safeParse(input[i]);
    if (!r.success) return { ok: false, checkpoint: i, reason: 'malformed', message: `Checkpoint ${i + 1} is not a valid checkpoint.` };
    const cp = r.data;
    if (log !== undefined && cp.log !== log) return { ok: false, checkpoint: i, reason: 'wrong_log', message: `Checkpoint ${i + 1} is for log ${cp.log}, not ${log}.` };
    const key = keys.get(cp.keyId);
    if (!key) return { ok: false, checkpoint: i, reason: 'unknown_key', message: `Checkpoint ${i + 1} is signed by key ${cp.keyId}, which is not a trusted server key.` };
    if (!verifyCheckpointSignature(cp, key, verifier))
      return { ok: false, checkpoint: i, reason: 'bad_signature', message: `Checkpoint ${i + 1} (size ${cp.size}) has no valid server signature.` };
    out.push({ cp, index: i });
  }
  return { ok: true, sorted: out.sort((a, b) => a.cp.size - b.cp.size) };
}

/** Verifies an export file in bounded memory. */
export async function verifyExportFile(path: string, options: StreamVerifyOptions): Promise<StreamCheck> {
  const cps = checkCheckpointSignatures(options.checkpoints ?? [], options.serverKeys ?? [], options.log);
  if (!cps.ok) return { kind: 'checkpoint', ...cps };
  const keys = Object.fromEntries(options.deviceKeys);
  const threads = Math.max(0, options.threads ?? 0);
  const chunkLines = Math.max(1, options.chunkLines ?? 2048);
  const pool = threads > 0 ? workerPool(threads, keys, options.onlyWorkers === true) : inThread(keys);
  const walker = new ChainWalker(undefined);
  const receipts = new ReceiptChecker();
  // Reported only when the chain and checkpoints verify (a receipt in a forged record proves nothing).
  let receiptFailure: StreamCheck | undefined;
  const acc = new MerkleAccumulator();
  const devices = new Set<string>();
  let nextCp = 0;
  let lastGood = 0;
  let pending: PendingFailure | undefined;
  let pendingLine = 0;
  let verdict: StreamCheck | undefined;

  // Chunks in flight, bounded, in file order.
  const inFlight: Promise<PackedChunk>[] = [];
  const maxInFlight = Math.max(2, threads * 2);
  // Items and lines in the chunks walked so far: a chunk numbers its own from 0.
  let items = 0;
  let lines = 0;
  // Line of an item index: index + 1 plus the blank lines before it, kept only where that changes.
  const shifts: { from: number; extra: number }[] = [];
  const lineOf = (index: number): number => {
    let extra = 0;
    for (const s of shifts) if (s.from <= index) extra = s.extra;
    return index + 1 + extra;
  };

  const walk = (c: PackedChunk): void => {
    const nextResult = unpacker(c);
    const first = items;
    for (let k = 0; k < c.n && !verdict; k++) {
      let r: LineResult = nextResult();
      const index = first + k;
      const line = lines + c.lineOf[k]!;
      if (line !== index + 1 + (shifts[shifts.length - 1]?.extra ?? 0)) shifts.push({ from: index, extra: line - index - 1 });
      if (pending) {
        // Only looking for the missing record now, to tell a reorder from a gap.
        if (r.ok && r.kind === 'record' && itemIsRecord(r.record, pending.lookFor.device, pending.lookFor.seq)) verdict = { kind: 'record', ...pending.ifFound, line: pendingLine };
        continue;
      }
      if (!r.ok && r.text !== undefined) r = checkLineAt(r.text, index, keys);
      if (!r.ok) {
        const message = r.lineError === undefined ? r.message : r.lineError === 'syntax' ? `Line ${line} is not valid JSON.` : `Line ${line}: ${r.lineError}`;
        verdict = {
          kind: 'record',
          ok: false,
          index: r.index,
          reason: r.reason,
          message,
          line,
          ...(r.seq !== undefined ? { seq: r.seq } : {}),
          ...(r.device !== undefined ? { device: r.device } : {}),
        };
        return;
      }
      const bad = walker.step(index, r);
      if (bad) {
        if (isPending(bad)) {
          pending = bad;
          pendingLine = line;
          continue;
        }
        verdict = { kind: 'record', ...bad, line };
        return;
      }
      if (r.kind !== 'record') continue;
      if (r.full !== undefined && receiptFailure === undefined) {
        const bad = receipts.step(r.full, index);
        if (bad) receiptFailure = { kind: 'receipt', ...bad, line };
      }
      const record = r.record;
      devices.add(record.device);
      // The tree only serves the checkpoints: past the largest one (or with none) no root is ever compared.
      if (nextCp >= cps.sorted.length) continue;
      acc.push(auditLeafHash(record));
      while (cps.sorted[nextCp] && cps.sorted[nextCp]!.cp.size === acc.size) {
        const { cp, index: cpIndex } = cps.sorted[nextCp++]!;
        if (bytesToHex(acc.root()) !== cp.root) {
          verdict = {
            kind: 'checkpoint',
            ok: false,
            checkpoint: cpIndex,
            reason: 'root_mismatch',
            afterRecord: lastGood,
            beforeRecord: cp.size,
            message: `Checkpoint ${cpIndex + 1} (size ${cp.size}) does not match the export: a record at positions ${lastGood + 1}–${cp.size} was removed, altered or reordered.`,
          };
          return;
        }
        lastGood = cp.size;
      }
    }
    items += c.n;
    lines += c.lineCount;
  };

  const drainOne = async (): Promise<void> => walk(await inFlight.shift()!);
  /** Hands a chunk to the pool, then waits while too many are in flight; false once a verdict stops the read. */
  const dispatch = async (bytes: Uint8Array<ArrayBuffer>): Promise<boolean> => {
    inFlight.push(pool.run(bytes));
    while (inFlight.length >= maxInFlight && !verdict) await drainOne();
    return !verdict;
  };

  // Bytes, not text: decoding and splitting are the workers' (line-chunks.ts), since this
  // thread walking every result in order is what bounds the rate.
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  const chunks = lineChunker(chunkLines);
  try {
    reading: for await (const piece of input as AsyncIterable<Buffer>) {
      for (const c of chunks.push(piece)) if (!(await dispatch(c))) break reading;
    }
    const last = verdict ? undefined : chunks.end();
    if (last) await dispatch(last);
    while (inFlight.length > 0 && !verdict) await drainOne();
  } finally {
    input.destroy();
    await pool.close();
  }
  if (verdict) return verdict;
  if (pending) return { kind: 'record', ...pending.failure, line: pendingLine };
  const tail = walker.finish();
  if (tail) return { kind: 'record', ...tail, line: lineOf(tail.index) };
  const over = cps.sorted[nextCp];
  if (over) {
    return {
      kind: 'checkpoint',
      ok: false,
      checkpoint: over.index,
      reason: 'truncated',
      afterRecord: lastGood,
      beforeRecord: acc.size,
      message: `Checkpoint ${over.index + 1} covers ${over.cp.size} records but the export holds only ${acc.size}: records were removed.`,
    };
  }
  if (receiptFailure) return receiptFailure;
  return { ok: true, records: walker.count, devices: devices.size, checkpoints: cps.sorted.length, coveredRecords: lastGood, ...receiptCounts(receipts) };
}

/**
 * The items of an export file, one at a time in file order, for readers that come after
 * {@link verifyExportFile} said the file verifies (e.g. the compliance summary). A line
 * that is not a record or a seal still throws: the file may have changed in between.
 */
export async function* readExportItems(path: string): AsyncGenerator<AuditExportItem> {
  const input = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const raw of input) {
      lineNo++;
      if (raw.trim() === '') continue;
      const parsed = tryParseStrictJson(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
      const item = parsed.ok ? parseExportItem(parsed.value) : undefined;
      if (!item) throw new Error(`line ${lineNo} of ${path} is not an audit record or seal`);
      yield item;
    }
  } finally {
    input.close();
  }
}
