/** Picks the driver: DATABASE_URL → PostgreSQL, otherwise embedded PGlite (memory or a data dir). */
import type { Database } from './db';
import { migrate } from './migrate';

export interface OpenDatabaseOptions {
  /** postgres://… ; when absent PGlite is used. */
  readonly databaseUrl?: string;
  /** PGlite data directory; in memory when absent. */
  readonly dataDir?: string;
}

export async function openDatabase(opts: OpenDatabaseOptions = {}): Promise<Database> {
  const db = opts.databaseUrl ? await (await import('./db.pg')).openPgDatabase(opts.databaseUrl) : await (await import('./db.pglite')).openPgliteDatabase(opts.dataDir);
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}
