/**
 * The org's SCIM event log (migration 010, docs/identity.md §4.7): one row per change
 * the IdP made, written by the SCIM request path (latchkey_app, insert-only) in the
 * change's own transaction, read by admins over the admin API. A row names the person,
 * the kind of change and the attribute names it touched: never a value beyond the
 * userName, never a token.
 */
import { SCIM_EVENT_ATTRIBUTES, type ScimEvent, type ScimEventAction } from '../../../shared/contracts/identity';
import { SET_TENANT_SQL, type SqlClient } from '../../db/db';
import { LatchkeyError } from '../../../shared/errors';
import { parseStrictJson } from '../../../shared/encoding/strict-json';
import type { UserState } from './resource';

const ATTRIBUTES = SCIM_EVENT_ATTRIBUTES satisfies readonly (keyof UserState)[];

const isSet = (s: UserState, a: (typeof ATTRIBUTES)[number]): boolean => {
  const v = s[a];
  return a === 'active' || (Array.isArray(v) ? v.length > 0 : v !== null);
};

/** The attributes a write set (create) or altered (replace, patch), sorted. */
export function changedAttributes(before: UserState | null, after: UserState): ScimEvent['changed'] {
  return ATTRIBUTES.filter((a) => (before === null ? isSet(after, a) : JSON.stringify(before[a]) !== JSON.stringify(after[a])));
}

/** A write that turns access off or on is named for it, whatever else it changed. */
export function updateAction(before: UserState, after: UserState): ScimEventAction {
  if (before.active && !after.active) return 'deactivate';
  if (!before.active && after.active) return 'reactivate';
  return 'update';
}

export async function recordScimEvent(sql: SqlClient, orgId: string, e: { action: ScimEventAction; userId: string; userName: string; changed: readonly string[] }): Promise<void> {
  // No RETURNING: latchkey_app holds INSERT only, which is the point.
  await sql.query('INSERT INTO scim_events (org_id, action, user_id, user_name, changed) VALUES ($1, $2, $3, $4, $5)', [
    orgId,
    e.action,
    e.userId,
    e.userName,
    JSON.stringify(e.changed),
  ]);
}

/** In an admin (owner) transaction: scopes it to the org (so RLS holds for a non-superuser owner too), refusing an unknown org; newest first. */
export async function listScimEventsIn(sql: SqlClient, orgId: string, opts: { limit: number; before?: number }): Promise<ScimEvent[]> {
  await sql.query(SET_TENANT_SQL, [orgId]);
  if ((await sql.query('SELECT 1 FROM orgs WHERE id = $1', [orgId])).length === 0) throw new LatchkeyError('not_found', 'No such organisation.');
  const rows = await sql.query<{ id: unknown; at: unknown; action: string; user_id: string; user_name: string; changed: string }>(
    `SELECT id, at, action, user_id, user_name, changed FROM scim_events
      WHERE org_id = $1 ${opts.before === undefined ? '' : 'AND id < $3'} ORDER BY id DESC LIMIT $2`,
    opts.before === undefined ? [orgId, opts.limit] : [orgId, opts.limit, opts.before],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: new Date(r.at as string).toISOString(),
    action: r.action as ScimEventAction,
    userId: r.user_id,
    userName: r.user_name,
    changed: parseStrictJson(r.changed) as ScimEvent['changed'],
  }));
}
