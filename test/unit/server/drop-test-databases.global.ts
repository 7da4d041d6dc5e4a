/**
 * Vitest global teardown: drops every test database (`lk_test_…`) still on
 * DATABASE_URL_TEST once all test workers have exited — the ones a file could not drop
 * because a connection (a killed server's, a leaked pool's) still held them. WITH (FORCE)
 * is safe here: no test process is left to receive the ended sessions' errors.
 */
import pg from 'pg';

export default function setup(): () => Promise<void> {
  return async () => {
    const url = process.env.DATABASE_URL_TEST;
    if (!url) return;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const rows = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname ~ '^lk_test_[0-9a-f]{12}$'");
      for (const { datname } of rows.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  };
}
