/** Picks the driver: DATABASE_URL → PostgreSQL, otherwise embedded PGlite (memory or a data dir). */
import type { Database } from './db';
import { migrate } from './migrate';

export interface OpenDatabaseOptions {
  /** postgres://… ; when absent PGlite is used. */
  readonly databaseUrl?: string;
  /** PGlite data directory; in memory when absent. */
  readonly dataDir?: string;
  /** Who takes the data directory's lock (named to whoever is refused); default admin. */
  readonly holder?: 'server' | 'admin';
}

export async function openDatabase(opts: OpenDatabaseOptions = {}): Promise<Database> {
  const db = opts.databaseUrl
    ? await (await import('./db.pg')).openPgDatabase(opts.databaseUrl)
    : await (await import('./db.pglite')).openPgliteDatabase(opts.dataDir, opts.holder);
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}
