/**
 * Embedded PostgreSQL (PGlite, WASM) driver: in memory, or in a data directory so a
 * restarted server keeps its state. PGlite has one connection, so transactions run
 * one at a time (it queues them).
 */
import { PGlite } from '@electric-sql/pglite';
import { SET_ROLE_AND_TENANT_SQL, SET_TENANT_SQL, type Database, type Row, type SqlClient } from './db';

interface PgliteTx {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

function client(tx: PgliteTx): SqlClient {
  return { query: async <R = Row>(text: string, params: readonly unknown[] = []) => (await tx.query<R>(text, [...params])).rows };
}

export async function openPgliteDatabase(dataDir?: string): Promise<Database> {
  const pg = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  return {
    kind: 'pglite',
    asOwner: (fn, orgId) =>
      pg.transaction(async (tx) => {
        if (orgId !== undefined) await tx.query(SET_TENANT_SQL, [orgId]);
        return fn(client(tx));
      }),
    asTenant: (orgId, fn) =>
      pg.transaction(async (tx) => {
        await tx.query(SET_ROLE_AND_TENANT_SQL, [orgId]);
        return fn(client(tx));
      }),
    close: () => pg.close(),
  };
}
