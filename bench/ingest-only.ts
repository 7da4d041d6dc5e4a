/**
 * Runs only the PostgreSQL server-ingest figure of bench/server-audit.bench.ts (the
 * bench's own rounds and baseline), to check a change to the server's database path
 * against the ingest goal without the whole bench:
 *   node --import tsx bench/ingest-only.ts [--quick]
 * LATCHKEY_BENCH_PG_PORT sets the throwaway cluster's port.
 */
import { Bench } from './lib/harness';
import { benchPostgres, freshPgDatabase } from './lib/postgres';
import { renderSection } from './lib/report';
import { openDatabase } from '../src/server/db/open';
import { ingestOn } from './server-audit.bench';

const bench = new Bench({ quick: process.argv.includes('--quick'), log: (l) => console.log(l) });
const pg = await benchPostgres();
try {
  if ('unavailable' in pg) throw new Error(pg.unavailable);
  const db = await openDatabase({ databaseUrl: await freshPgDatabase(pg.url, 'lk_ingest') });
  try {
    await bench.section('Org server audit — ingest (PostgreSQL only)', () => ingestOn(bench, 'PostgreSQL', db, true));
  } finally {
    await db.close();
  }
  for (const s of bench.sections) console.log(`\n${renderSection(s)}`);
} finally {
  if (!('unavailable' in pg)) await pg.stop();
}
