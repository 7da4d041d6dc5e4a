/**
 * The export-memory baseline's process (bench/server-audit.bench.ts): the same rows an
 * audit export streams, read in the same pages of log positions from the same database
 * and written to an HTTP response as JSON lines — with no server app, no admin
 * authentication, no export code (filters, JSON lines writer). Its peak RSS is what the
 * runtime, the database driver (PGlite's WASM heap included) and streaming those rows
 * cost before the export adds anything.
 *
 *   node --import tsx bench/lib/plain-audit-stream.ts ORG_ID (--data-dir DIR | DATABASE_URL set)
 * Prints `listening http://127.0.0.1:PORT`; GET / streams the whole log.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '../../src/server/db/open';

/** As src/server/admin/export.ts (not imported: its modules would count in this process's memory). */
const PAGE_POSITIONS = 1000;

const [orgId, flag, dir] = process.argv.slice(2);
if (!orgId) throw new Error('usage: plain-audit-stream.ts ORG_ID (--data-dir DIR | DATABASE_URL set)');
const databaseUrl = process.env.DATABASE_URL;
const db = await openDatabase(databaseUrl ? { databaseUrl, holder: 'server' } : { ...(flag === '--data-dir' && dir ? { dataDir: dir } : {}), holder: 'server' });

const server = createServer((_req, res) => {
  void (async () => {
    const size = await db.asTenant(orgId, async (sql) => Number((await sql.query<{ size: string }>('SELECT size FROM audit_heads WHERE org_id = $1', [orgId]))[0]?.size ?? 0));
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (let from = 0; from < size; from += PAGE_POSITIONS) {
      const rows = await db.asTenant(orgId, (sql) =>
        sql.query<{ body: string }>(
          `SELECT body FROM (
             SELECT log_index, 0 AS k, body FROM audit_records WHERE org_id = $1 AND log_index >= $2 AND log_index < $3
             UNION ALL
             SELECT log_index, 1 AS k, body FROM audit_seals WHERE org_id = $1 AND log_index >= $2 AND log_index < $3
           ) AS t ORDER BY log_index, k`,
          [orgId, from, Math.min(size, from + PAGE_POSITIONS)],
        ),
      );
      let text = '';
      for (const r of rows) text += r.body + '\n';
      if (!res.write(text)) await new Promise<void>((r) => res.once('drain', () => r()));
    }
    res.end();
  })().catch((e: unknown) => {
    res.destroy(e instanceof Error ? e : new Error(String(e)));
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => {
  server.close();
  void db.close().finally(() => process.exit(0));
});
