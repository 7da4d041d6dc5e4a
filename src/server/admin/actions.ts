/**
 * The admin audit table: one row per admin action, written in the action's own
 * transaction (so an action that commits is always recorded) and, for a refused
 * action, in the transaction that keeps the request's nonce.
 */
import type { AdminAction, AdminActionRow } from '../../shared/contracts/admin';
import type { SqlClient } from '../db/db';

export interface AdminActionEntry {
  readonly adminId: string | null;
  readonly action: AdminAction;
  readonly orgId: string | null;
  readonly target: string | null;
  readonly outcome: 'ok' | 'refused';
  readonly reason?: string;
}

export async function recordAdminAction(sql: SqlClient, e: AdminActionEntry): Promise<void> {
  await sql.query('INSERT INTO admin_actions (admin_id, action, org_id, target, outcome, reason) VALUES ($1, $2, $3, $4, $5, $6)', [
    e.adminId,
    e.action,
    e.orgId,
    e.target,
    e.outcome,
    e.reason ?? null,
  ]);
}

/** Newest first. */
export async function listAdminActions(sql: SqlClient, opts: { limit: number; before?: number }): Promise<AdminActionRow[]> {
  const rows = await sql.query<{
    id: unknown;
    at: unknown;
    admin_id: string | null;
    action: string;
    org_id: string | null;
    target: string | null;
    outcome: string;
    reason: string | null;
  }>(
    `SELECT id, at, admin_id, action, org_id, target, outcome, reason FROM admin_actions
      ${opts.before === undefined ? '' : 'WHERE id < $2'} ORDER BY id DESC LIMIT $1`,
    opts.before === undefined ? [opts.limit] : [opts.limit, opts.before],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: new Date(r.at as string).toISOString(),
    adminId: r.admin_id,
    action: r.action as AdminAction,
    orgId: r.org_id,
    target: r.target,
    outcome: r.outcome as 'ok' | 'refused',
    reason: r.reason,
  }));
}
