/**
 * The test helpers drop each PostgreSQL database they create, so a run leaves none
 * behind — including one a connection still holds (a killed server's pool, a test that
 * failed before closing): the drop ends those sessions instead of failing.
 * Skipped without DATABASE_URL_TEST (scripts/postgres.sh starts a throwaway one).
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { REAL_PG_URL, createPgDatabase, dropPgDatabase } from './helpers';

async function databaseExists(name: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: REAL_PG_URL });
  await admin.connect();
  try {
    return (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe.skipIf(!REAL_PG_URL)('test databases', () => {
  it('are dropped while a connection is still open on them', async () => {
    const url = await createPgDatabase();
    const name = new URL(url).pathname.slice(1);
    const holder = new pg.Client({ connectionString: url });
    holder.on('error', () => undefined); // its session is ended by the drop
    await holder.connect();
    await holder.query('SELECT 1');
    expect(await databaseExists(name)).toBe(true);

    await dropPgDatabase(name);
    expect(await databaseExists(name)).toBe(false);
    await holder.end().catch(() => undefined);
  });

  it('refuse to drop a database the helpers did not name', async () => {
    await expect(dropPgDatabase('postgres')).rejects.toThrow(/not a test database/);
  });
});
