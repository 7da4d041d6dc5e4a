/**
 * node-postgres driver for a real PostgreSQL (DATABASE_URL). The connecting user owns
 * the schema; the request path drops to `latchkey_app` per transaction with
 * SET LOCAL ROLE, so row-level security applies even when that user is a superuser.
 */
import pg from 'pg';
import { SET_ROLE_AND_TENANT_SQL, SET_TENANT_SQL, type Database, type Row, type SqlClient } from './db';

// int8 (bigint) columns hold sequence numbers well below 2^53: parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export async function openPgDatabase(connectionString: string, maxConnections = 10): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: maxConnections });
  // Fail at start, not on the first request, when the URL is wrong.
  (await pool.connect()).release();

  async function tx<T>(setup: (c: pg.PoolClient) => Promise<void>, fn: (sql: SqlClient) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await setup(c);
      const sql: SqlClient = { query: async <R = Row>(text: string, params: readonly unknown[] = []) => detachRows((await c.query(text, [...params])).rows as R[]) };
      const out = await fn(sql);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  return {
    kind: 'pg',
    asOwner: (fn, orgId) =>
      tx(async (c) => {
        if (orgId !== undefined) await c.query(SET_TENANT_SQL, [orgId]);
      }, fn),
    asTenant: (orgId, fn) =>
      tx(async (c) => {
        await c.query(SET_ROLE_AND_TENANT_SQL, [orgId]);
      }, fn),
    close: () => pool.end(),
  };
}

/**
 * The rows in a fresh array, the driver's emptied. V8 may pretenure the driver's
 * result array (one allocation site for every query; many results at start-up live
 * long), and an array born in the old generation keeps the young rows it points to
 * alive through every scavenge until a full collection, long after the caller is done
 * with them. On a 1M-record audit export that held nearly every page's text, tens of
 * MiB between full collections; emptied, the next scavenge frees a page's rows.
 */
function detachRows<R>(rows: R[]): R[] {
  const out = rows.slice();
  rows.length = 0;
  return out;
}
