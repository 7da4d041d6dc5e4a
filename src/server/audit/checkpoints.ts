/**
 * Signed checkpoints: the server periodically signs the RFC 9162 Merkle tree head over
 * every audit record of an org (in log order) with its own Ed25519 key, using the
 * audit library's format (signCheckpoint, log = org id). A checkpoint someone kept
 * later proves any deletion, edit or reordering of records it covered.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { merkleLeafHash, merkleRoot, inclusionProof, signCheckpoint, checkpointSchema, type Checkpoint } from '../../core/audit';
import { consistencyProof } from '../../core/audit/merkle';
import type { Database, SqlClient } from '../db/db';
import type { ServerKey } from '../keys';
import { logRecordHashes } from './store';
import { parseStrictJson } from '../../shared/encoding/strict-json';

/** Signs a checkpoint for one org if its log grew since the last one. Returns the latest. */
export async function checkpointOrg(db: Database, key: ServerKey, orgId: string, now: Date = new Date()): Promise<Checkpoint | null> {
  return db.asTenant(orgId, async (sql) => {
    const head = await sql.query<{ size: number }>('SELECT size FROM audit_heads WHERE org_id = $1 FOR UPDATE', [orgId]);
    const size = Number(head[0]?.size ?? 0);
    const last = await latestCheckpointIn(sql, orgId);
    if (size === 0 || (last && last.size >= size)) return last;
    const leaves = (await logRecordHashes(sql, orgId, size)).map(merkleLeafHash);
    const cp = await signCheckpoint({ log: orgId, size, root: merkleRoot(leaves), time: now.toISOString() }, key);
    await sql.query('INSERT INTO audit_checkpoints (org_id, tree_size, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [orgId, size, JSON.stringify(cp)]);
    return cp;
  });
}

/** Runs checkpointOrg for every org (the periodic job; owner lists orgs, work runs under RLS). */
export async function checkpointAll(db: Database, key: ServerKey): Promise<number> {
  const orgs = await db.asOwner((sql) => sql.query<{ id: string }>('SELECT id FROM orgs'));
  let signed = 0;
  for (const o of orgs) if (await checkpointOrg(db, key, o.id)) signed++;
  return signed;
}

export async function latestCheckpointIn(sql: SqlClient, orgId: string): Promise<Checkpoint | null> {
  const rows = await sql.query<{ body: string }>('SELECT body FROM audit_checkpoints WHERE org_id = $1 ORDER BY tree_size DESC LIMIT 1', [orgId]);
  return rows[0] ? checkpointSchema.parse(parseStrictJson(rows[0].body, 'A stored checkpoint')) : null;
}

export async function listCheckpoints(db: Database, orgId: string): Promise<Checkpoint[]> {
  const rows = await db.asTenant(orgId, (sql) => sql.query<{ body: string }>('SELECT body FROM audit_checkpoints WHERE org_id = $1 ORDER BY tree_size', [orgId]));
  return rows.map((r) => checkpointSchema.parse(parseStrictJson(r.body, 'A stored checkpoint')));
}

/** Inclusion proof of one device record in the latest checkpoint; null if not covered yet. */
export async function proveRecordIn(sql: SqlClient, orgId: string, deviceId: string, seq: number) {
  const cp = await latestCheckpointIn(sql, orgId);
  const rows = await sql.query<{ log_index: number; record_hash: string }>('SELECT log_index, record_hash FROM audit_records WHERE org_id = $1 AND device_id = $2 AND seq = $3', [
    orgId,
    deviceId,
    seq,
  ]);
  const row = rows[0];
  if (!cp || !row || Number(row.log_index) >= cp.size) return null;
  const leaves = (await logRecordHashes(sql, orgId, cp.size)).map(merkleLeafHash);
  const path = inclusionProof(leaves, Number(row.log_index), cp.size).map((h) => bytesToHex(h));
  return { logIndex: Number(row.log_index), treeSize: cp.size, recordHash: row.record_hash, path };
}

async function checkpointOfSize(sql: SqlClient, orgId: string, size: number): Promise<Checkpoint | null> {
  const rows = await sql.query<{ body: string }>('SELECT body FROM audit_checkpoints WHERE org_id = $1 AND tree_size = $2', [orgId, size]);
  return rows[0] ? checkpointSchema.parse(parseStrictJson(rows[0].body, 'A stored checkpoint')) : null;
}

/**
 * RFC 9162 consistency proof from the checkpoint of size `from` to the one of size `to`
 * (default: the latest), with both signed checkpoints; null if either does not exist.
 */
export async function proveConsistencyIn(sql: SqlClient, orgId: string, from: number, to?: number) {
  const newer = to === undefined ? await latestCheckpointIn(sql, orgId) : await checkpointOfSize(sql, orgId, to);
  const older = await checkpointOfSize(sql, orgId, from);
  if (!newer || !older || older.size > newer.size) return null;
  const leaves = (await logRecordHashes(sql, orgId, newer.size)).map(merkleLeafHash);
  const path = consistencyProof(leaves, older.size, newer.size).map((h) => bytesToHex(h));
  return { oldSize: older.size, newSize: newer.size, path, older, newer };
}
