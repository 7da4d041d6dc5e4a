/**
 * SCIM users in the `users` table (migration 007), always under the org's RLS scope.
 * SCIM sees the people that have a userName (created by SCIM, or by OIDC enrolment
 * just in time) and are not SCIM-deleted; active is `deactivated_at IS NULL`.
 */
import { randomUUID } from 'node:crypto';
import type { SqlClient } from '../../db/db';
import { parseStrictJson } from '../../../shared/encoding/strict-json';
import { userNameKey } from '../people';
import { ScimError } from './errors';
import { changedAttributes, recordScimEvent, updateAction } from './events';
import type { UserFilter } from './filter';
import type { StoredUser, UserState } from './resource';

interface Row {
  id: string;
  user_name: string;
  external_id: string | null;
  scim_attrs: string | null;
  deactivated: boolean;
  created_at: unknown;
  updated_at: unknown;
  scim_version: unknown;
}

const COLUMNS = 'id, user_name, external_id, scim_attrs, deactivated_at IS NOT NULL AS deactivated, created_at, updated_at, scim_version';
const VISIBLE = 'org_id = $1 AND user_name IS NOT NULL AND scim_deleted_at IS NULL';

function fromRow(r: Row): StoredUser {
  const attrs = (r.scim_attrs ? parseStrictJson(r.scim_attrs) : {}) as Partial<Pick<UserState, 'displayName' | 'name' | 'emails'>>;
  return {
    id: r.id,
    userName: r.user_name,
    externalId: r.external_id,
    displayName: attrs.displayName ?? null,
    name: attrs.name ?? null,
    emails: attrs.emails ?? [],
    active: !r.deactivated,
    created: new Date(r.created_at as string).toISOString(),
    lastModified: new Date(r.updated_at as string).toISOString(),
    version: Number(r.scim_version),
  };
}

const attrsOf = (s: UserState): string => JSON.stringify({ displayName: s.displayName, name: s.name, emails: s.emails });
const displayOf = (s: UserState): string => (s.displayName ?? s.name?.formatted ?? s.userName).slice(0, 100);

const TAKEN = (): ScimError => new ScimError(409, 'A user with this userName already exists in this organisation.', 'uniqueness');

async function userNameTaken(sql: SqlClient, orgId: string, userName: string, exceptId: string | null): Promise<boolean> {
  const rows = await sql.query(`SELECT 1 FROM users WHERE ${VISIBLE} AND user_name_key = $2 AND ($3::uuid IS NULL OR id <> $3::uuid)`, [orgId, userNameKey(userName), exceptId]);
  return rows.length > 0;
}

export async function getUser(sql: SqlClient, orgId: string, id: string): Promise<StoredUser | null> {
  const rows = await sql.query<Row>(`SELECT ${COLUMNS} FROM users WHERE ${VISIBLE} AND id = $2`, [orgId, id]);
  return rows[0] ? fromRow(rows[0]) : null;
}

/**
 * Creates the user, or adopts a person with that userName whom SCIM does not manage yet
 * (created just in time by OIDC enrolment): the IdP is the authority on who they are.
 */
export async function createUser(sql: SqlClient, orgId: string, s: UserState): Promise<StoredUser> {
  const existing = await sql.query<{ id: string; scim_managed: boolean }>(`SELECT id, scim_managed FROM users WHERE ${VISIBLE} AND user_name_key = $2`, [
    orgId,
    userNameKey(s.userName),
  ]);
  const hit = existing[0];
  if (hit?.scim_managed) throw TAKEN();
  if (hit) {
    await writeState(sql, orgId, hit.id, s, true);
    await recordScimEvent(sql, orgId, { action: 'adopt', userId: hit.id, userName: s.userName, changed: changedAttributes(null, s) });
    return (await getUser(sql, orgId, hit.id))!;
  }
  const id = randomUUID();
  await sql.query(
    `INSERT INTO users (org_id, id, name, user_name, user_name_key, external_id, scim_attrs, scim_managed, deactivated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, true, CASE WHEN $8::boolean THEN NULL ELSE now() END)`,
    [orgId, id, displayOf(s), s.userName, userNameKey(s.userName), s.externalId, attrsOf(s), s.active],
  );
  await sql.query('INSERT INTO sync_heads (org_id, user_id) VALUES ($1, $2)', [orgId, id]);
  await recordScimEvent(sql, orgId, { action: 'create', userId: id, userName: s.userName, changed: changedAttributes(null, s) });
  return (await getUser(sql, orgId, id))!;
}

async function writeState(sql: SqlClient, orgId: string, id: string, s: UserState, adopt = false): Promise<void> {
  await sql.query(
    `UPDATE users SET name = $3, user_name = $4, user_name_key = $5, external_id = $6, scim_attrs = $7, scim_managed = true,
            deactivated_at = CASE WHEN $8::boolean THEN NULL ELSE coalesce(deactivated_at, now()) END,
            scim_version = scim_version + ${adopt ? 0 : 1}, updated_at = now()
      WHERE org_id = $1 AND id = $2`,
    [orgId, id, displayOf(s), s.userName, userNameKey(s.userName), s.externalId, attrsOf(s), s.active],
  );
}

/** Replaces the stored state (PUT, and PATCH after its operations applied). */
export async function replaceUser(sql: SqlClient, orgId: string, current: StoredUser, s: UserState): Promise<StoredUser> {
  if (await userNameTaken(sql, orgId, s.userName, current.id)) throw TAKEN();
  await writeState(sql, orgId, current.id, s);
  await recordScimEvent(sql, orgId, { action: updateAction(current, s), userId: current.id, userName: s.userName, changed: changedAttributes(current, s) });
  return (await getUser(sql, orgId, current.id))!;
}

/** DELETE: gone for SCIM, and every device of the person refused from its next request. */
export async function deleteUser(sql: SqlClient, orgId: string, id: string): Promise<boolean> {
  const rows = await sql.query<{ user_name: string }>(
    `UPDATE users SET scim_deleted_at = now(), deactivated_at = coalesce(deactivated_at, now()), scim_version = scim_version + 1, updated_at = now()
      WHERE ${VISIBLE} AND id = $2 RETURNING user_name`,
    [orgId, id],
  );
  const gone = rows[0];
  if (gone) await recordScimEvent(sql, orgId, { action: 'delete', userId: id, userName: gone.user_name, changed: [] });
  return gone !== undefined;
}

export async function listUsers(sql: SqlClient, orgId: string, filter: UserFilter | null, startIndex: number, count: number): Promise<{ total: number; users: StoredUser[] }> {
  const where =
    filter === null
      ? VISIBLE
      : filter.attribute === 'userName'
        ? `${VISIBLE} AND user_name_key = $2`
        : filter.attribute === 'externalId'
          ? `${VISIBLE} AND external_id = $2`
          : `${VISIBLE} AND id::text = $2`;
  const params: unknown[] = filter === null ? [orgId] : [orgId, filter.attribute === 'userName' ? userNameKey(filter.value) : filter.value];
  const total = Number((await sql.query<{ n: unknown }>(`SELECT count(*) AS n FROM users WHERE ${where}`, params))[0]?.n ?? 0);
  const rows = count === 0 ? [] : await sql.query<Row>(`SELECT ${COLUMNS} FROM users WHERE ${where} ORDER BY created_at, id LIMIT ${count} OFFSET ${startIndex - 1}`, params);
  return { total, users: rows.map(fromRow) };
}
