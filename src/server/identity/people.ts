/**
 * People by userName: the identity SCIM provisions and OIDC enrolment binds (an
 * e-mail address, compared case-insensitively: RFC 7643 §4.1.1 makes userName not
 * caseExact). A SCIM-deleted person no longer has a userName for either path.
 */
import type { SqlClient } from '../db/db';

/** The key the unique index compares: Unicode-lower-cased. */
export const userNameKey = (userName: string): string => userName.toLowerCase();

export async function findPersonByUserName(
  sql: SqlClient,
  orgId: string,
  userName: string,
): Promise<{ userId: string; revoked: boolean; deactivated: boolean; oidcIssuer: string | null; oidcSubject: string | null } | null> {
  const rows = await sql.query<{ id: string; revoked: boolean; deactivated: boolean; oidc_issuer: string | null; oidc_subject: string | null }>(
    `SELECT id, revoked_at IS NOT NULL AS revoked, deactivated_at IS NOT NULL AS deactivated, oidc_issuer, oidc_subject
       FROM users WHERE org_id = $1 AND user_name_key = $2 AND scim_deleted_at IS NULL FOR UPDATE`,
    [orgId, userNameKey(userName)],
  );
  const r = rows[0];
  return r ? { userId: r.id, revoked: r.revoked, deactivated: r.deactivated, oidcIssuer: r.oidc_issuer, oidcSubject: r.oidc_subject } : null;
}
