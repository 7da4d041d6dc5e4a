/**
 * Audit chain: append+sign and verify rates (issue 5: verify >= 20k records/s), each
 * beside a baseline measured in the same run on the same rows:
 * - append+sign vs an unsigned append (same JCS + SHA-256 hash chain, no signature);
 * - chain verification vs plain SHA-256 over the same rows' JSON (no parse, no JCS,
 *   no signature): the floor any verifier pays to read the data.
 * Wall-clock rates on a shared machine move with its load, so the notes also give the
 * rate per CPU-second of this process for the single-threaded paths.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  GENESIS_PREV_HASH,
  MemoryAuditStore,
  MerkleAccumulator,
  auditLeafHash,
  createAuditLog,
  createEd25519Signer,
  jcsBytes,
  recordSignatureInput,
  verifyAppend,
  verifyChain,
  verifyChainBatched,
  type AuditEventInput,
  type AuditRecord,
  type AuditSigner,
} from '../src/core/audit';
import { createNodeEd25519Signer, createNodeEd25519Verifier, createParallelEd25519Verifier } from '../src/node/verify.node.js';
import type { Bench } from './lib/harness';

const DEVICES = 4;
const VERIFY_N = 10_000;
const APPEND_N = 1_000;
/** noble (pure JS) is an order of magnitude slower; fewer rows keep the run short. */
const NOBLE_N = 300;
const ITEM = 'AAAAAAAAAAAAAAAAAAAAAA';

const event = (i: number): AuditEventInput =>
  i % 3 === 0
    ? { action: 'credential.use', actor: { type: 'agent', id: 'claude-desktop' }, target: { itemId: ITEM, origin: 'https://api.example.com' }, outcome: 'success' }
    : i % 3 === 1
      ? { action: 'item.reveal', actor: { type: 'person' }, target: { itemId: ITEM, field: 'password' }, outcome: 'success' }
      : { action: 'vault.unlock', actor: { type: 'person' }, outcome: 'failure', reason: 'wrong_password' };

async function appendAll(signer: AuditSigner, n: number, deviceId = 'device-0'): Promise<AuditRecord[]> {
  const log = createAuditLog({ store: new MemoryAuditStore(), signer, deviceId });
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) out.push(await log.append(event(i)));
  return out;
}

/** Baseline append: same record and hash chain, no signature, no schema or store. */
function unsignedAppend(n: number): void {
  let prev = GENESIS_PREV_HASH;
  for (let i = 0; i < n; i++) {
    const e = event(i);
    const unsigned = { v: 1, seq: i + 1, time: new Date().toISOString(), device: 'device-0', ...e, prevHash: prev };
    prev = bytesToHex(sha256(jcsBytes(unsigned)));
  }
}

export default async function auditBench(bench: Bench): Promise<void> {
  const seed = (n: number) => new Uint8Array(32).fill(n);
  const nobleSigner = createEd25519Signer(seed(1));
  const nodeSigner = createNodeEd25519Signer(seed(1));
  // A realistic export: DEVICES devices interleaved, VERIFY_N records in all.
  const perDevice = await Promise.all(Array.from({ length: DEVICES }, (_, d) => appendAll(createNodeEd25519Signer(seed(10 + d)), VERIFY_N / DEVICES, `device-${d}`)));
  const records: AuditRecord[] = [];
  for (let i = 0; i < VERIFY_N / DEVICES; i++) for (const chain of perDevice) records.push(chain[i]!);
  const keys = new Map<string, Uint8Array>(Array.from({ length: DEVICES }, (_, d) => [`device-${d}`, createEd25519Signer(seed(10 + d)).publicKey] as const));
  const publicKeyFor = (d: string) => keys.get(d);
  const rows = records.map((r) => JSON.stringify(r));
  const nodeVerifier = createNodeEd25519Verifier();
  const sigChecks = records.map((r) => ({ sig: hexToBytes(r.sig), msg: recordSignatureInput(hexToBytes(r.hash)), key: keys.get(r.device)! }));
  const check = (ok: boolean) => {
    if (!ok) throw new Error('benchmark chain failed to verify');
  };
  const bareVerify = {
    name: 'bare node:crypto Ed25519 verify of the same signatures, 1 thread (the ceiling)',
    run: () => {
      for (const c of sigChecks) if (!nodeVerifier(c.sig, c.msg, c.key)) throw new Error('bad signature in benchmark data');
    },
  };
  const sha = (rs: readonly string[]) => ({
    name: "SHA-256 of the same rows' JSON (no parse, no signature)",
    run: () => {
      for (const row of rs) createHash('sha256').update(row).digest();
    },
  });
  const goal = [{ metric: 'wall' as const, stat: 'p50' as const, op: '>=' as const, value: 20_000, unit: 'records/s' as const, source: 'issue 5' }];

  await bench.section('Audit chain (append, verify, checkpoint)', async () => {
    await bench.compare({
      name: `append+sign, noble Ed25519 (engine worker path), ${NOBLE_N} records`,
      unit: 'records/s',
      work: NOBLE_N,
      rounds: bench.rounds(5),
      subject: { name: 'createAuditLog().append, noble signer', run: () => appendAll(nobleSigner, NOBLE_N) },
      baseline: { name: 'unsigned append (same JCS + SHA-256 chain)', run: () => unsignedAppend(NOBLE_N) },
    });
    await bench.compare({
      name: `append+sign, node:crypto Ed25519 (main/server path), ${APPEND_N} records`,
      unit: 'records/s',
      work: APPEND_N,
      rounds: bench.rounds(5),
      subject: { name: 'createAuditLog().append, node:crypto signer', run: () => appendAll(nodeSigner, APPEND_N) },
      baseline: { name: 'unsigned append (same JCS + SHA-256 chain)', run: () => unsignedAppend(APPEND_N) },
    });
    await bench.compare({
      name: `verifyChain, node:crypto, 1 thread, ${VERIFY_N} records / ${DEVICES} devices`,
      unit: 'records/s',
      work: VERIFY_N,
      rounds: bench.rounds(5),
      subject: { name: 'verifyChain (node:crypto verifier)', run: () => check(verifyChain(records, { publicKeyFor, verifier: nodeVerifier }).ok) },
      baseline: bareVerify,
      goals: goal,
    });
    const pool = createParallelEd25519Verifier();
    try {
      await verifyChainBatched(records.slice(0, 200), { publicKeyFor, verifyMany: pool.verifyMany });
      await bench.compare({
        name: `verifyChainBatched, node:crypto on ${availableParallelism()} worker threads, ${VERIFY_N} records`,
        unit: 'records/s',
        work: VERIFY_N,
        rounds: bench.rounds(5),
        subject: { name: 'verifyChainBatched + parallel verifier', run: async () => check((await verifyChainBatched(records, { publicKeyFor, verifyMany: pool.verifyMany })).ok) },
        baseline: bareVerify,
        goals: goal,
        notes: ["Its thread-CPU column counts the main thread only; the workers' CPU is in the process-CPU column."],
      });
    } finally {
      await pool.close();
    }
    const nobleSample = records.slice(0, NOBLE_N);
    await bench.compare({
      name: `verifyChain, noble Ed25519 (browser path), ${NOBLE_N} records`,
      unit: 'records/s',
      work: NOBLE_N,
      rounds: bench.rounds(5),
      subject: { name: 'verifyChain (noble default)', run: () => check(verifyChain(nobleSample, { publicKeyFor }).ok) },
      baseline: sha(rows.slice(0, NOBLE_N)),
    });
    const dev0 = perDevice[0]!;
    await bench.compare({
      name: `server upload check (verifyAppend, node:crypto), ${dev0.length} records in batches of 1,000`,
      unit: 'records/s',
      work: dev0.length,
      rounds: bench.rounds(5),
      subject: {
        name: 'verifyAppend per batch',
        run: () => {
          let head: { seq: number; hash: string } | undefined;
          for (let i = 0; i < dev0.length; i += 1000) {
            const r = verifyAppend(head, dev0.slice(i, i + 1000), keys.get('device-0')!, { deviceId: 'device-0', verifier: nodeVerifier });
            if (!r.ok) throw new Error('upload check failed');
            head = r.head;
          }
        },
      },
      baseline: sha(dev0.map((r) => JSON.stringify(r))),
    });
    await bench.compare({
      name: `checkpoint Merkle root (RFC 9162), ${VERIFY_N} leaves`,
      unit: 'records/s',
      work: VERIFY_N,
      rounds: bench.rounds(5),
      subject: {
        name: 'MerkleAccumulator',
        run: () => {
          const acc = new MerkleAccumulator();
          for (const r of records) acc.push(auditLeafHash(r));
          acc.root();
        },
      },
      baseline: sha(rows),
    });
    bench.note(`One Ed25519 signature per record (DESIGN §8): the bare verify row is the per-core ceiling any verifier has on this machine (${availableParallelism()} CPUs).`);
  });
}
