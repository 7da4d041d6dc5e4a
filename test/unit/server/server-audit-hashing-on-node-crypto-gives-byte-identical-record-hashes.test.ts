/**
 * The org server checks uploads with node:crypto's SHA-256 and Ed25519 (OpenSSL)
 * instead of the audit library's noble default, for speed. That is only allowed if
 * nothing a verifier sees changes: the same text gives the same hex digest (lone
 * surrogates and astral characters included, where two UTF-8 encoders could differ;
 * records themselves are ASCII by schema, so raw text is where that could show),
 * every record hashes to what the device computed with noble, verifyAppend reaches the
 * same verdict (same reason, same index) on honest and broken batches, and the real
 * server stores each record under the device's own hash, with the device's content.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  GENESIS_PREV_HASH,
  MemoryAuditStore,
  computeRecordHash,
  computeRecordHashHex,
  createAuditLog,
  createEd25519Signer,
  recordSignatureInput,
  verifyAppend,
  type AuditEventInput,
  type AuditRecord,
} from '../../../src/core/audit';
import { nobleSha256Hex, recordJcs } from '../../../src/core/audit/record';
import { uploadPendingAudit } from '../../../src/core/sync';
import { createNodeEd25519Verifier, nodeSha256 } from '../../../src/node/verify.node.js';
import { enrolTestDevice, newTenant, useTestServer } from './helpers';

const env = useTestServer();
const nodeVerifier = createNodeEd25519Verifier();
const clock = { now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678) };
const DEVICE = '0b6c3f3e-2a4d-4c2e-9f61-0d3a7c1e5b2a';

/** Deterministic pseudo-random text over the whole code-point range, surrogate halves included. */
function randomText(seed: number, length: number): string {
  let x = seed >>> 0 || 1;
  let s = '';
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const pick = (x >>> 0) % 4;
    const cp = pick === 0 ? (x >>> 0) % 0x80 : pick === 1 ? (x >>> 0) % 0x800 : pick === 2 ? 0xd800 + ((x >>> 0) % 0x800) : (x >>> 0) % 0x110000;
    s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return s;
}

const events: AuditEventInput[] = [
  {
    action: 'credential.use',
    actor: { type: 'agent', id: 'claude-desktop' },
    target: { itemId: 'A'.repeat(22), origin: 'https://api.example.com', tool: 'http_request' },
    outcome: 'success',
    reason: 'approved_once',
  },
  { action: 'item.reveal', actor: { type: 'person' }, target: { itemId: 'B'.repeat(22), field: 'password' }, outcome: 'success' },
  { action: 'vault.unlock', actor: { type: 'person' }, outcome: 'failure', reason: 'wrong_password' },
];

async function v3Records(n: number): Promise<{ records: AuditRecord[]; seals: unknown[]; publicKey: Uint8Array }> {
  const signer = createEd25519Signer(new Uint8Array(32).fill(7));
  const store = new MemoryAuditStore();
  // No sha256 given: the device side hashes with noble, as the engine does.
  const log = createAuditLog({ store, signer, deviceId: DEVICE, clock, sealEvery: { records: 4, ms: 3_600_000 } });
  for (let i = 0; i < n; i++) await log.append(events[i % events.length]!);
  await log.seal();
  return { records: await store.range(1, n), seals: await store.seals(1, n), publicKey: signer.publicKey };
}

function v2Records(n: number): { records: AuditRecord[]; publicKey: Uint8Array } {
  const signer = createEd25519Signer(new Uint8Array(32).fill(9));
  const out: AuditRecord[] = [];
  let prev = GENESIS_PREV_HASH;
  for (let i = 0; i < n; i++) {
    const unsigned = { v: 2 as const, seq: i + 1, time: new Date(clock.now()).toISOString(), device: DEVICE, ...events[i % events.length]!, prevHash: prev };
    const hash = computeRecordHash(unsigned);
    const r = { ...unsigned, hash: bytesToHex(hash), sig: bytesToHex(signer.sign(recordSignatureInput(hash)) as Uint8Array) } as AuditRecord;
    out.push(r);
    prev = r.hash;
  }
  return { records: out, publicKey: signer.publicKey };
}

describe("the server's node:crypto hashing", () => {
  it('gives the same hex SHA-256 as noble on any text, lone surrogates and astral characters included', () => {
    const texts = ['', 'abc', 'é', '😀', '\ud800', 'a\udc00b', '\udbff\udfff', 'x'.repeat(100_000)];
    for (let seed = 1; seed <= 200; seed++) texts.push(randomText(seed, 1 + (seed % 97)));
    for (const t of texts) expect(nodeSha256(t)).toBe(nobleSha256Hex(t));
  });

  it('hashes every v2 and v3 record to the hash the device computed with noble', async () => {
    const v3 = await v3Records(12);
    const v2 = v2Records(6);
    for (const r of [...v3.records, ...v2.records]) {
      expect(nodeSha256(recordJcs(r))).toBe(r.hash);
      expect(computeRecordHashHex(r, nodeSha256)).toBe(r.hash);
      expect(bytesToHex(computeRecordHash(r, nodeSha256))).toBe(r.hash);
    }
  });

  it('reaches the same verdict in verifyAppend as noble: honest, altered, re-hashed, re-signed, reordered and unsealed batches', async () => {
    const v3 = await v3Records(12);
    const v2 = v2Records(6);
    const altered = v3.records.map((r, i) => (i === 5 ? { ...r, outcome: r.outcome === 'failure' ? 'success' : 'failure' } : r));
    const rehashed = altered.map((r, i) => (i === 5 ? { ...r, hash: computeRecordHashHex(r as AuditRecord) } : r));
    const resigned = v2.records.map((r, i) => (i === 2 ? { ...r, sig: 'ab'.repeat(64) } : r));
    const reordered = [v3.records[1]!, v3.records[0]!, ...v3.records.slice(2)];
    const cases: { name: string; head?: { seq: number; hash: string }; batch: readonly unknown[]; key: Uint8Array; seals?: readonly unknown[] }[] = [
      { name: 'honest v3', batch: v3.records, key: v3.publicKey, seals: v3.seals },
      { name: 'honest v3, continuing a stored head', head: { seq: 4, hash: v3.records[3]!.hash }, batch: v3.records.slice(4), key: v3.publicKey, seals: v3.seals },
      { name: 'honest v2', batch: v2.records, key: v2.publicKey },
      { name: 'altered', batch: altered, key: v3.publicKey, seals: v3.seals },
      { name: 're-hashed', batch: rehashed, key: v3.publicKey, seals: v3.seals },
      { name: 're-signed', batch: resigned, key: v2.publicKey },
      { name: 'reordered', batch: reordered, key: v3.publicKey, seals: v3.seals },
      { name: 'unsealed', batch: v3.records, key: v3.publicKey, seals: [] },
      { name: 'wrong key', batch: v2.records, key: v3.publicKey },
    ];
    const verdicts = new Set<string>();
    for (const c of cases) {
      const base = { deviceId: DEVICE, ...(c.seals ? { seals: c.seals } : {}) };
      const noble = verifyAppend(c.head, c.batch, c.key, base);
      const node = verifyAppend(c.head, c.batch, c.key, { ...base, verifier: nodeVerifier, sha256: nodeSha256 });
      expect(node, c.name).toEqual(noble);
      verdicts.add(noble.ok ? 'ok' : noble.reason);
    }
    // The cases really broke the chain in different ways (the comparison is not of two passes).
    expect(verdicts.size).toBeGreaterThanOrEqual(6);
  });

  it('on the real server (PGlite), stores each uploaded record under the hash the device computed, with the same content', async () => {
    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    const store = new MemoryAuditStore();
    const log = createAuditLog({ store, signer: createEd25519Signer(dev.signer.secretKey), deviceId: dev.deviceId, sealEvery: { records: 5, ms: 3_600_000 } });
    for (let i = 0; i < 13; i++) await log.append(events[i % events.length]!);
    expect(await uploadPendingAudit(dev.api, log)).toBe(13);
    const sent = await store.range(1, 13);
    const rows = await env.db.asTenant(t.orgId, (sql) =>
      sql.query<{ seq: string | number; record_hash: string; body: string }>('SELECT seq, record_hash, body FROM audit_records WHERE org_id = $1 ORDER BY seq', [t.orgId]),
    );
    expect(rows.map((r) => Number(r.seq))).toEqual(sent.map((r) => r.seq));
    rows.forEach((row, i) => {
      expect(row.record_hash).toBe(sent[i]!.hash);
      expect(row.record_hash).toBe(nobleSha256Hex(recordJcs(sent[i]!)));
      // The body is stored as parsed (schema member order); what it says and hashes to is the device's.
      const stored = JSON.parse(row.body) as AuditRecord;
      expect(stored).toEqual(sent[i]);
      expect(nodeSha256(recordJcs(stored))).toBe(sent[i]!.hash);
    });
  });
});
