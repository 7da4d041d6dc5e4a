/**
 * Worker thread of the streaming verifier (verify-stream.ts): for a chunk of export
 * lines, the stateless per-line checks — strict JSON, schema, hash, and the signature of
 * a v1/v2 record or a seal (node:crypto) — and back the parsed item or the failure.
 * What depends on order (links, seals, gaps) stays on the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { badSignature, inspectItem, type ChainFailure, type Inspected, type WalkItem } from '../core/audit/chain';
import type { AuditRecord } from '../core/audit/record';
import { tryParseStrictJson } from '../shared/encoding/strict-json';
import { createNodeEd25519Verifier, nodeSha256 } from './verify.node.js';

/**
 * Only what the main thread's walk reads goes back (device, seq, hashes): cloning whole
 * records across threads cost about as much as checking them. `full`: the whole record, for those with a receipt or an approval key (checked in order on the main thread).
 */
export type LineResult = ({ readonly ok: true; readonly full?: AuditRecord } & WalkItem) | ({ readonly lineError?: string } & ChainFailure);

export interface ChunkRequest {
  readonly id: number;
  /** Index (in items) of the chunk's first line. */
  readonly first: number;
  readonly lines: readonly string[];
  readonly keys: Readonly<Record<string, Uint8Array>>;
}

const verify = createNodeEd25519Verifier();

export function checkLines(req: Omit<ChunkRequest, 'id'>): LineResult[] {
  const keyFor = (d: string) => req.keys[d];
  return req.lines.map((text, k): LineResult => {
    const index = req.first + k;
    const parsed = tryParseStrictJson(text);
    if (!parsed.ok) return { ok: false, index, reason: 'malformed', message: '', lineError: parsed.reason === 'syntax' ? 'syntax' : parsed.message };
    const x: Inspected | ChainFailure = inspectItem(parsed.value, index, keyFor, nodeSha256);
    if (!x.ok) return x;
    if (x.check && !verify(x.check.signature, x.check.message, x.check.publicKey)) return badSignature(index, x);
    if (x.kind === 'seal') return { ok: true, kind: 'seal', seal: { device: x.seal.device, seq: x.seal.seq, hash: x.seal.hash } };
    const { v, seq, device, hash, prevHash } = x.record;
    const r = x.record;
    const full = r.v === 3 && (r.receipt !== undefined || r.approvalKey !== undefined || r.action === 'approval_key.add') ? { full: r } : {};
    return { ok: true, kind: 'record', record: { v, seq, device, hash, prevHash }, ...full };
  });
}

parentPort?.on('message', (req: ChunkRequest) => {
  parentPort!.postMessage({ id: req.id, results: checkLines(req) });
});
