/**
 * The test helpers drop each PostgreSQL database they create, so a run leaves none
 * behind. At the end of a file the drop never ends another session: a pool the file leaked
 * in its own process would get an error event with no listener and crash the worker (seen
 * in a whole run). A database still held is left to the global teardown, which drops it
 * WITH (FORCE) after every worker has exited; `dropPgDatabase` does the same on request.
 * Skipped without DATABASE_URL_TEST (scripts/postgres.sh starts a throwaway one).
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { REAL_PG_URL, createPgDatabase, dropIfUnused, dropPgDatabase } from './helpers';

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

  it('are left, not forced, at the end of a file while a leaked pool holds them', async () => {
    const url = await createPgDatabase();
    const name = new URL(url).pathname.slice(1);
    // A leaked pool: an idle client and no error listener, as a test that never closed it.
    const leaked = new pg.Pool({ connectionString: url });
    await leaked.query('SELECT 1');
    let crashed = false;
    const onError = (): void => void (crashed = true);
    leaked.on('error', onError);

    await dropIfUnused(name);
    expect(crashed).toBe(false);
    expect(await databaseExists(name)).toBe(true);
    expect((await leaked.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });

    await dropPgDatabase(name);
    expect(await databaseExists(name)).toBe(false);
    await leaked.end().catch(() => undefined);
  });

  it('refuse to drop a database the helpers did not name', async () => {
    await expect(dropPgDatabase('postgres')).rejects.toThrow(/not a test database/);
  });
});
