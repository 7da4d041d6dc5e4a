/**
 * Sync storage: compare-and-swap pushes and cursor pulls over one user's records.
 * All functions take a tenant-scoped SqlClient (RLS already limits rows to the org)
 * and still name org and user in every WHERE clause.
 *
 * Ordering invariant: a push locks the user's sync_heads row first, so one user's
 * pushes commit one after another and seq values become visible in increasing order;
 * a puller that has seen seq N never later misses a change with seq <= N.
 */
import type { PushChange, PushResult, SyncRecord } from '../../shared/contracts/sync';
import { LatchkeyError } from '../../shared/errors';
import type { SqlClient } from '../db/db';

interface RecordRow {
  record_id: string;
  version: number;
  seq: number;
  deleted: boolean;
  ciphertext: string;
  last_change_id: string;
}

function toRecord(r: RecordRow): SyncRecord {
  return { id: r.record_id, version: Number(r.version), seq: Number(r.seq), deleted: r.deleted, ciphertext: r.ciphertext };
}

async function lockHead(sql: SqlClient, orgId: string, userId: string): Promise<number> {
  const rows = await sql.query<{ head_seq: number }>('SELECT head_seq FROM sync_heads WHERE org_id = $1 AND user_id = $2 FOR UPDATE', [orgId, userId]);
  if (!rows[0]) throw new LatchkeyError('not_found', 'No sync state for this person.');
  return Number(rows[0].head_seq);
}

/** Seq and hash of the stored (newest) manifest; 0 and '' when there is none. */
export async function readManifestPointer(sql: SqlClient, orgId: string, userId: string): Promise<{ manifestSeq: number; manifestHash: string }> {
  const rows = await sql.query<{ seq: number; hash: string }>('SELECT seq, hash FROM sync_manifests WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
  return { manifestSeq: Number(rows[0]?.seq ?? 0), manifestHash: rows[0]?.hash ?? '' };
}

export async function readHead(sql: SqlClient, orgId: string, userId: string): Promise<number> {
  const rows = await sql.query<{ head_seq: number }>('SELECT head_seq FROM sync_heads WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
  return Number(rows[0]?.head_seq ?? 0);
}

/**
 * Applies each change whose baseVersion equals the stored version (0 = absent); the
 * others come back as conflicts carrying the current record. A change whose changeId
 * is the one that produced the stored version is reported applied again, so a client
 * retrying after a lost response (or a server crash after commit) never duplicates it.
 */
export async function pushChanges(
  sql: SqlClient,
  orgId: string,
  userId: string,
  changes: readonly PushChange[],
): Promise<{ results: PushResult[]; headSeq: number; manifestSeq: number; manifestHash: string }> {
  let head = await lockHead(sql, orgId, userId);
  const ids = [...new Set(changes.map((c) => c.id))];
  const existing = new Map<string, RecordRow>();
  for (const r of await sql.query<RecordRow>(
    `SELECT record_id, version, seq, deleted, ciphertext, last_change_id FROM sync_records
      WHERE org_id = $1 AND user_id = $2 AND record_id = ANY($3::text[])`,
    [orgId, userId, ids],
  ))
    existing.set(r.record_id, { ...r, version: Number(r.version), seq: Number(r.seq) });

  const results: PushResult[] = [];
  const writes: RecordRow[] = [];
  for (const c of changes) {
    const cur = existing.get(c.id);
    if (cur && cur.last_change_id === c.changeId) {
      results.push({ status: 'applied', changeId: c.changeId, id: c.id, version: cur.version, seq: cur.seq });
      continue;
    }
    const curVersion = cur?.version ?? 0;
    if (curVersion !== c.baseVersion) {
      const current: SyncRecord = cur ? toRecord(cur) : { id: c.id, version: 0, seq: 0, deleted: true, ciphertext: '' };
      results.push({ status: 'conflict', changeId: c.changeId, id: c.id, current });
      continue;
    }
    head += 1;
    const row: RecordRow = { record_id: c.id, version: curVersion + 1, seq: head, deleted: c.deleted, ciphertext: c.deleted ? '' : c.ciphertext, last_change_id: c.changeId };
    existing.set(c.id, row);
    writes.push(row);
    results.push({ status: 'applied', changeId: c.changeId, id: c.id, version: row.version, seq: row.seq });
  }
  if (writes.length > 0) {
    // A record written twice in one batch keeps only its last row (the later change won its CAS).
    const last = new Map(writes.map((w) => [w.record_id, w] as const));
    const rows = [...last.values()];
    await sql.query(
      `INSERT INTO sync_records (org_id, user_id, record_id, version, seq, deleted, ciphertext, last_change_id)
       SELECT $1, $2, * FROM unnest($3::text[], $4::int8[], $5::int8[], $6::bool[], $7::text[], $8::text[])
       ON CONFLICT (org_id, user_id, record_id) DO UPDATE SET
         version = EXCLUDED.version, seq = EXCLUDED.seq, deleted = EXCLUDED.deleted,
         ciphertext = EXCLUDED.ciphertext, last_change_id = EXCLUDED.last_change_id`,
      [
        orgId,
        userId,
        rows.map((r) => r.record_id),
        rows.map((r) => r.version),
        rows.map((r) => r.seq),
        rows.map((r) => r.deleted),
        rows.map((r) => r.ciphertext),
        rows.map((r) => r.last_change_id),
      ],
    );
    await sql.query('UPDATE sync_heads SET head_seq = $3 WHERE org_id = $1 AND user_id = $2', [orgId, userId, head]);
  }
  return { results, headSeq: head, ...(await readManifestPointer(sql, orgId, userId)) };
}

/**
 * Records with cursor < seq <= head, oldest first. Head and records are read in ONE
 * statement, so one snapshot even under READ COMMITTED: the page never runs past the
 * head it reports, and the record the head change wrote is always in it (clients check
 * that, docs/sync-protocol.md §5.2 rule 3; two statements could let a concurrent push
 * move that record past the head read first).
 */
export async function pullRecords(sql: SqlClient, orgId: string, userId: string, cursor: number, limit: number) {
  const joined = await sql.query<{ head_seq: number | null } & { [K in keyof RecordRow]: RecordRow[K] | null }>(
    `WITH h AS (SELECT head_seq FROM sync_heads WHERE org_id = $1 AND user_id = $2)
     SELECT (SELECT head_seq FROM h) AS head_seq, r.record_id, r.version, r.seq, r.deleted, r.ciphertext, r.last_change_id
       FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (
         SELECT record_id, version, seq, deleted, ciphertext, last_change_id FROM sync_records
          WHERE org_id = $1 AND user_id = $2 AND seq > $3 AND seq <= COALESCE((SELECT head_seq FROM h), 0)
          ORDER BY seq LIMIT $4
       ) AS r ON true`,
    [orgId, userId, cursor, limit + 1],
  );
  const headSeq = Number(joined[0]?.head_seq ?? 0);
  const rows = joined.filter((r): r is typeof r & RecordRow => r.record_id !== null);
  const hasMore = rows.length > limit;
  const records = rows.slice(0, limit).map(toRecord);
  // On the last page the cursor jumps to head: seqs superseded by later writes leave holes.
  const nextCursor = hasMore ? records[records.length - 1]!.seq : Math.max(cursor, headSeq);
  return { records, nextCursor, headSeq, hasMore, ...(await readManifestPointer(sql, orgId, userId)) };
}
