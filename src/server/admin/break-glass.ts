/**
 * Break-glass recovery on the server (docs/break-glass.md §3–4): it keeps the org
 * recovery PUBLIC key the ceremony registered, hands an admin the person's
 * org-recovery slot, and stores the new recovery-code slot the admin made as one more
 * record of the person's vault, so every device of the person receives it (and says
 * so) at its next sync. It never holds a share, the private key, VK or a code.
 *
 * Each function runs in the admin route's owner transaction and first scopes it to the
 * org (app.org_id), so the tables' row-level security holds as for device requests.
 */
import { randomBytes } from 'node:crypto';
import { LatchkeyError } from '../../shared/errors';
import { SET_TENANT_SQL, type SqlClient } from '../db/db';
import { META_SYNC_ID, decodeRecord, parseSyncId } from '../../core/vault-sync/codec';
import { ORG_RECOVERY_SLOT, breakGlassOrigin, createDefaultSlotRegistry, orgRecoverySlotParams, slotProblem } from '../../core/vault/slots';
import { pushChanges } from '../sync/store';

const registry = createDefaultSlotRegistry();

export interface BreakGlassKey {
  keyId: string;
  publicKey: string;
  threshold: number;
  admins: string[];
  createdAt: string;
}

async function requirePerson(sql: SqlClient, orgId: string, userId: string): Promise<void> {
  await sql.query(SET_TENANT_SQL, [orgId]);
  const rows = await sql.query<{ revoked: boolean }>('SELECT revoked_at IS NOT NULL AS revoked FROM users WHERE org_id = $1 AND id = $2', [orgId, userId]);
  if (!rows[0]) throw new LatchkeyError('not_found', 'No such person in that organisation.');
  if (rows[0].revoked) throw new LatchkeyError('forbidden', 'This person is revoked; restore them before recovering their vault.');
}

/** Registers the org's recovery key once; a second ceremony for the same org is refused (no silent key swap). */
export async function registerBreakGlassKeyIn(sql: SqlClient, orgId: string, adminId: string, k: Omit<BreakGlassKey, 'createdAt'>): Promise<void> {
  await sql.query(SET_TENANT_SQL, [orgId]);
  if ((await sql.query('SELECT 1 FROM orgs WHERE id = $1', [orgId])).length === 0) throw new LatchkeyError('not_found', 'No such organisation.');
  const rows = await sql.query(
    `INSERT INTO break_glass_keys (org_id, key_id, public_key, threshold, admins, created_by) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (org_id) DO NOTHING RETURNING 1 AS ok`,
    [orgId, k.keyId, k.publicKey, k.threshold, JSON.stringify(k.admins), adminId],
  );
  if (rows.length === 0) throw new LatchkeyError('conflict', 'This organisation already has a break-glass recovery key; a new ceremony needs the old key retired first.');
}

export async function readBreakGlassKeyIn(sql: SqlClient, orgId: string): Promise<BreakGlassKey> {
  await sql.query(SET_TENANT_SQL, [orgId]);
  const rows = await sql.query<{ key_id: string; public_key: string; threshold: number; admins: string; created_at: unknown }>(
    'SELECT key_id, public_key, threshold, admins, created_at FROM break_glass_keys WHERE org_id = $1',
    [orgId],
  );
  const r = rows[0];
  if (!r) throw new LatchkeyError('not_found', 'Break-glass recovery is not set up for this organisation (no recovery key was registered).');
  return {
    keyId: r.key_id,
    publicKey: r.public_key,
    threshold: Number(r.threshold),
    admins: JSON.parse(r.admins) as string[],
    createdAt: new Date(r.created_at as string).toISOString(),
  };
}

async function liveRecords(sql: SqlClient, orgId: string, userId: string): Promise<{ record_id: string; ciphertext: string }[]> {
  return sql.query<{ record_id: string; ciphertext: string }>(
    `SELECT record_id, ciphertext FROM sync_records WHERE org_id = $1 AND user_id = $2 AND NOT deleted AND (record_id = $3 OR record_id LIKE 'slot:%')`,
    [orgId, userId, META_SYNC_ID],
  );
}

/** The person's newest well-formed org-recovery slot for the registered key, and their vault id. */
export async function readOrgRecoverySlotIn(sql: SqlClient, orgId: string, userId: string): Promise<{ vaultId: string; recordId: string; ciphertext: string }> {
  const key = await readBreakGlassKeyIn(sql, orgId);
  await requirePerson(sql, orgId, userId);
  const rows = await liveRecords(sql, orgId, userId);
  const meta = rows.find((r) => r.record_id === META_SYNC_ID);
  const decodedMeta = meta ? decodeRecord(META_SYNC_ID, meta.ciphertext) : null;
  if (decodedMeta?.kind !== 'meta') throw new LatchkeyError('not_found', "This person's vault has not reached the server yet: nothing to recover.");
  const vaultId = decodedMeta.record.vaultId;
  let best: { recordId: string; ciphertext: string; createdAt: number } | undefined;
  for (const r of rows) {
    if (r.record_id === META_SYNC_ID) continue;
    const d = decodeRecord(r.record_id, r.ciphertext);
    if (d?.kind !== 'slot' || d.record.kind !== ORG_RECOVERY_SLOT || slotProblem(registry, vaultId, d.record) !== null) continue;
    if (orgRecoverySlotParams(d.record).keyId !== key.keyId) continue;
    if (!best || d.record.createdAt > best.createdAt) best = { recordId: r.record_id, ciphertext: r.ciphertext, createdAt: d.record.createdAt };
  }
  if (!best) {
    throw new LatchkeyError(
      'not_found',
      "This person's vault has no organisation-recovery slot for the registered key: break-glass was not enabled by policy when their devices last opened the vault, so it cannot be recovered this way.",
    );
  }
  return { vaultId, recordId: best.recordId, ciphertext: best.ciphertext };
}

/**
 * Stores the new recovery-code slot as a new record of the person's vault. Checked
 * first: it must be a well-formed slot of this vault, a recovery code that says it
 * came from break-glass under the registered key, and made with at least `threshold`
 * of the registered admins' shares (as the admin CLI reports them).
 */
export async function storeBreakGlassSlotIn(
  sql: SqlClient,
  orgId: string,
  userId: string,
  adminId: string,
  req: { keyId: string; admins: string[]; recordId: string; ciphertext: string },
): Promise<{ version: number; seq: number }> {
  const key = await readBreakGlassKeyIn(sql, orgId);
  if (req.keyId !== key.keyId) throw new LatchkeyError('conflict', 'These shares are of another recovery key than the one registered for this organisation.');
  const unknown = req.admins.filter((a) => !key.admins.includes(a));
  if (unknown.length > 0) throw new LatchkeyError('forbidden', `Not a break-glass admin of this organisation: ${unknown.join(', ')}.`);
  if (req.admins.length < key.threshold) throw new LatchkeyError('forbidden', `Break-glass recovery needs ${key.threshold} admins' shares; ${req.admins.length} were used.`);
  const { vaultId } = await readOrgRecoverySlotIn(sql, orgId, userId);
  const d = decodeRecord(req.recordId, req.ciphertext);
  const origin = d?.kind === 'slot' ? breakGlassOrigin(d.record) : null;
  if (d?.kind !== 'slot' || slotProblem(registry, vaultId, d.record) !== null || !origin || origin.keyId !== key.keyId) {
    throw new LatchkeyError('invalid_input', 'The new slot is not a well-formed break-glass recovery code for this vault.');
  }
  if (origin.admins !== [...req.admins].sort().join(',')) throw new LatchkeyError('invalid_input', 'The new slot names other admins than the request.');
  const slotId = parseSyncId(req.recordId)!.id;
  const out = await pushChanges(sql, orgId, userId, [
    { changeId: randomBytes(18).toString('base64url'), id: req.recordId, baseVersion: 0, deleted: false, ciphertext: req.ciphertext },
  ]);
  const r = out.results[0];
  if (r?.status !== 'applied') throw new LatchkeyError('conflict', 'A slot with this id already exists in the vault; run the recovery again.');
  await sql.query('INSERT INTO break_glass_recoveries (org_id, user_id, key_id, slot_id, admins, admin_id) VALUES ($1, $2, $3, $4, $5, $6)', [
    orgId,
    userId,
    key.keyId,
    slotId,
    JSON.stringify([...req.admins].sort()),
    adminId,
  ]);
  return { version: r.version, seq: r.seq };
}
