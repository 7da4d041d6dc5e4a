/**
 * Runs only the audit export memory figure of bench/server-audit.bench.ts on PostgreSQL
 * (the bench's own RSS sampling), for work on the export route without the whole bench:
 *   node --import tsx bench/export-memory-only.ts [--quick]
 * LATCHKEY_EXPORT_RECORDS sets the log size; LATCHKEY_BENCH_PG_PORT the throwaway cluster's port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from './lib/harness';
import { benchPostgres, freshPgDatabase } from './lib/postgres';
import { renderSection } from './lib/report';
import { exportMemoryOn } from './server-audit.bench';

const bench = new Bench({ quick: process.argv.includes('--quick'), log: (l) => console.log(l) });
const dir = await mkdtemp(join(tmpdir(), 'latchkey-export-memory-'));
const pg = await benchPostgres();
try {
  if ('unavailable' in pg) throw new Error(pg.unavailable);
  const databaseUrl = await freshPgDatabase(pg.url, 'lk_export');
  await bench.section('Org server audit — export memory (PostgreSQL only)', () => exportMemoryOn(bench, 'PostgreSQL', { databaseUrl }, dir));
  for (const s of bench.sections) console.log(`\n${renderSection(s)}`);
} finally {
  if (!('unavailable' in pg)) await pg.stop();
  await rm(dir, { recursive: true, force: true });
}
