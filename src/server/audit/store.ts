/**
 * Audit log storage and checks on upload. Each device's chain is verified by the audit
 * library (verifyAppend: signature, hash, continuity; gaps, forks and reordering are
 * refused) against the head the server holds; accepted records join the org's log in
 * acceptance order (log_index), which is the leaf order of the Merkle checkpoints.
 * The batch's seals (format v3) are checked with it and stored beside the record each
 * ends on, so an export carries them in place. Hashes and signatures go through
 * node:crypto (OpenSSL), the same bytes as the library's noble default, several times
 * faster on the upload path every record of every device takes.
 *
 * Concurrency: the org's audit_heads row is locked before the device head is read, so
 * two uploads cannot both extend one chain or take one log_index.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { inspectAhead, verifyAppend, type AuditRecord, type AuditSeal, type ChainHead } from '../../core/audit';
import { LatchkeyError } from '../../shared/errors';
import type { SqlClient } from '../db/db';
import { parseStrictJson } from '../../shared/encoding/strict-json';
import { createNodeEd25519Verifier, nodeSha256 } from '../../node/verify.node.js';

/** One per process: it caches a key object per device key (the org's devices sign every upload). */
const verifier = createNodeEd25519Verifier();

export async function lockOrgLog(sql: SqlClient, orgId: string): Promise<number> {
  await sql.query('INSERT INTO audit_heads (org_id, size) VALUES ($1, 0) ON CONFLICT (org_id) DO NOTHING', [orgId]);
  const rows = await sql.query<{ size: number }>('SELECT size FROM audit_heads WHERE org_id = $1 FOR UPDATE', [orgId]);
  return Number(rows[0]!.size);
}

export async function deviceHead(sql: SqlClient, orgId: string, deviceId: string): Promise<ChainHead | undefined> {
  const rows = await sql.query<{ seq: number; record_hash: string }>('SELECT seq, record_hash FROM audit_records WHERE org_id = $1 AND device_id = $2 ORDER BY seq DESC LIMIT 1', [
    orgId,
    deviceId,
  ]);
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].record_hash } : undefined;
}

export async function appendAuditBatch(
  sql: SqlClient,
  who: { orgId: string; deviceId: string; publicKey: Uint8Array },
  batch: readonly unknown[],
  seals: readonly unknown[] = [],
): Promise<{ accepted: number; nextSeq: number }> {
  // The per-record checks (schema, hash, signatures' inputs) need no lock: done first, they
  // overlap other uploads' database waits instead of holding the org's log lock.
  const keyFor = (d: string) => (d === who.deviceId ? who.publicKey : undefined);
  const inspected = inspectAhead([...batch, ...seals], keyFor, nodeSha256);
  // The stored text of each record that may be accepted, also before the lock.
  const bodies = new Map<unknown, string>();
  for (const x of inspected.values()) if (x.kind === 'record') bodies.set(x.record, JSON.stringify(x.record));
  let size = await lockOrgLog(sql, who.orgId);
  const head = await deviceHead(sql, who.orgId, who.deviceId);
  // Hashes already stored for seqs the batch repeats (a retried upload), so a retry is idempotent.
  // Only whole seqs bound the query: any other (1.5, 1e300) is refused by verifyAppend, and
  // handed to PostgreSQL as an int8 it would end the upload with an internal error instead.
  const seqs = batch.flatMap((r) => (typeof r === 'object' && r !== null && Number.isSafeInteger((r as { seq?: unknown }).seq) ? [(r as { seq: number }).seq] : []));
  const stored = new Map<number, string>();
  if (head && seqs.length > 0) {
    const lo = Math.max(1, Math.min(...seqs));
    for (const r of await sql.query<{ seq: number; record_hash: string }>(
      'SELECT seq, record_hash FROM audit_records WHERE org_id = $1 AND device_id = $2 AND seq >= $3 AND seq <= $4',
      [who.orgId, who.deviceId, lo, head.seq],
    ))
      stored.set(Number(r.seq), r.record_hash);
  }
  const check = verifyAppend(head, batch, who.publicKey, { deviceId: who.deviceId, stored, seals, verifier, sha256: nodeSha256, inspected });
  if (!check.ok) {
    throw new LatchkeyError('audit_rejected', `Audit upload refused: ${check.message}`, {
      reason: check.reason,
      index: check.index,
      ...(check.seq !== undefined ? { seq: check.seq } : {}),
    });
  }
  const fresh: readonly AuditRecord[] = check.fresh;
  if (fresh.length > 0) {
    const idx = fresh.map(() => size++);
    await sql.query(
      `INSERT INTO audit_records (org_id, log_index, device_id, seq, record_hash, body)
       SELECT $1, i, $2, s, h, b FROM unnest($3::int8[], $4::int8[], $5::text[], $6::text[]) AS t(i, s, h, b)`,
      [who.orgId, who.deviceId, idx, fresh.map((r) => r.seq), fresh.map((r) => r.hash), fresh.map((r) => bodies.get(r) ?? JSON.stringify(r))],
    );
    await sql.query('UPDATE audit_heads SET size = $2 WHERE org_id = $1', [who.orgId, size]);
    const at = new Map(fresh.map((r, i) => [r.seq, idx[i]!] as const));
    const placed = check.seals.filter((s) => at.has(s.seq));
    if (placed.length > 0) {
      await sql.query(
        `INSERT INTO audit_seals (org_id, device_id, seq, log_index, body)
         SELECT $1, $2, s, i, b FROM unnest($3::int8[], $4::int8[], $5::text[]) AS t(s, i, b) ON CONFLICT DO NOTHING`,
        [who.orgId, who.deviceId, placed.map((s) => s.seq), placed.map((s) => at.get(s.seq)!), placed.map((s) => JSON.stringify(s))],
      );
    }
  }
  return { accepted: fresh.length, nextSeq: (check.head?.seq ?? 0) + 1 };
}

/** Leaf inputs (record hashes) of the org's log in log order, up to `size`. */
export async function logRecordHashes(sql: SqlClient, orgId: string, size?: number): Promise<Uint8Array[]> {
  const rows = await sql.query<{ record_hash: string }>(
    `SELECT record_hash FROM audit_records WHERE org_id = $1 ${size === undefined ? '' : 'AND log_index < $2'} ORDER BY log_index`,
    size === undefined ? [orgId] : [orgId, size],
  );
  return rows.map((r) => hexToBytes(r.record_hash));
}

/**
 * The whole log as stored, for `latchkey audit export`: records in log order, each
 * seal right after the record it ends on (docs/audit-format.md §7).
 */
export async function exportRecords(sql: SqlClient, orgId: string): Promise<(AuditRecord | AuditSeal)[]> {
  return exportRecordsBetween(sql, orgId, 0, Number.MAX_SAFE_INTEGER);
}

/** The org's log size: records at log_index 0 … size − 1 (seals sit at their record's index). */
export async function auditLogSize(sql: SqlClient, orgId: string): Promise<number> {
  const rows = await sql.query<{ size: string | number }>('SELECT size FROM audit_heads WHERE org_id = $1', [orgId]);
  return rows.length === 0 ? 0 : Number(rows[0]!.size);
}

/**
 * Log positions per piece of exportLinesBetween: at about 400 bytes a record a piece
 * is some 80 KB of text, under V8's 128 KiB large-object size, so it is an ordinary
 * young string that the next scavenge frees. A whole page as one string (0.4 MB) is a
 * large object instead: one still in flight when a scavenge runs is promoted and then
 * held until a full collection (about 40 MiB more peak on a 1M-record export).
 */
const PIECE_POSITIONS = 200;

/**
 * The same rows as exportRecordsBetween, as the stored text: each body (written by
 * JSON.stringify on upload, so byte for byte what parsing and re-serialising it gives)
 * followed by "\n", in pieces of consecutive positions (PIECE_POSITIONS); none when
 * there are no rows. Joined in the database, newline included, so a piece reaches the
 * server as one string, written as it is, rather than a row object per record.
 */
export async function exportLinesBetween(sql: SqlClient, orgId: string, from: number, to: number): Promise<string[]> {
  const rows = await sql.query<{ lines: string }>(
    `SELECT string_agg(body, E'\\n' ORDER BY log_index, k) || E'\\n' AS lines FROM (
       SELECT log_index, 0 AS k, body FROM audit_records WHERE org_id = $1 AND log_index >= $2 AND log_index < $3
       UNION ALL
       SELECT log_index, 1 AS k, body FROM audit_seals WHERE org_id = $1 AND log_index >= $2 AND log_index < $3
     ) AS t GROUP BY log_index / $4 ORDER BY log_index / $4`,
    [orgId, from, to, PIECE_POSITIONS],
  );
  return rows.map((r) => r.lines);
}

/**
 * Records and seals with `from ≤ log_index < to`, in log order (a seal right after the
 * record it seals). Records are written only by appending, so pages taken below a size
 * read once are a consistent prefix of the log however long the export takes.
 */
export async function exportRecordsBetween(sql: SqlClient, orgId: string, from: number, to: number): Promise<(AuditRecord | AuditSeal)[]> {
  const rows = await sql.query<{ body: string }>(
    `SELECT body FROM (
       SELECT log_index, 0 AS k, body FROM audit_records WHERE org_id = $1 AND log_index >= $2 AND log_index < $3
       UNION ALL
       SELECT log_index, 1 AS k, body FROM audit_seals WHERE org_id = $1 AND log_index >= $2 AND log_index < $3
     ) AS t ORDER BY log_index, k`,
    [orgId, from, to],
  );
  return rows.map((r) => parseStrictJson(r.body, 'A stored audit record') as AuditRecord | AuditSeal);
}
