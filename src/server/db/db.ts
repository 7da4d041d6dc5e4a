/**
 * The server's storage seam: one small interface, two drivers (embedded PGlite,
 * node-postgres for DATABASE_URL) running the same SQL and migrations.
 *
 * Tenant isolation invariant: every request-path query runs inside `asTenant`, which
 * switches to the RLS-bound role `latchkey_app` and sets `app.org_id` for that
 * transaction only (set_config(…, true)), so row-level security scopes every table to
 * one organisation even if a query forgets its WHERE clause.
 */
export type Row = Record<string, unknown>;

export interface SqlClient {
  query<R = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface Database {
  readonly kind: 'pglite' | 'pg';
  /** A transaction as the owning role (migrations, admin commands, server key). With `orgId`, app.org_id is set too. */
  asOwner<T>(fn: (sql: SqlClient) => Promise<T>, orgId?: string): Promise<T>;
  /** A transaction as `latchkey_app` (row-level security applies) scoped to one org. */
  asTenant<T>(orgId: string, fn: (sql: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The role the request path runs as; created by migration 001. */
export const APP_ROLE = 'latchkey_app';

export const SET_TENANT_SQL = "SELECT set_config('app.org_id', $1, true)";

/** Role switch and tenant in one round trip: set_config('role', …, true) is SET LOCAL ROLE. */
export const SET_ROLE_AND_TENANT_SQL = `SELECT set_config('role', '${APP_ROLE}', true), set_config('app.org_id', $1, true)`;
