/**
 * Embedded PostgreSQL (PGlite, WASM) driver: in memory, or in a data directory so a
 * restarted server keeps its state. PGlite has one connection, so transactions run
 * one at a time (it queues them). A data directory admits one process: it is locked
 * for as long as this database is open (./dir-lock.ts).
 */
import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './dir-lock';
import { SET_ROLE_AND_TENANT_SQL, SET_TENANT_SQL, type Database, type Row, type SqlClient } from './db';

interface PgliteTx {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

function client(tx: PgliteTx): SqlClient {
  return { query: async <R = Row>(text: string, params: readonly unknown[] = []) => (await tx.query<R>(text, [...params])).rows };
}

export async function openPgliteDatabase(dataDir?: string, holder: 'server' | 'admin' = 'admin'): Promise<Database> {
  const lock = dataDir === undefined ? undefined : lockDataDir(dataDir, holder);
  let pg: PGlite;
  try {
    pg = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  } catch (err) {
    lock?.release();
    throw err;
  }
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
    async close() {
      try {
        await pg.close();
      } finally {
        lock?.release();
      }
    },
  };
}
