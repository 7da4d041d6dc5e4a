/**
 * Starts the org server: opens the database (PGlite by default, PostgreSQL with a
 * URL), applies migrations, loads the checkpoint key, listens, and runs the periodic
 * jobs (checkpoint signing, nonce purge). A replica holds no state of its own (nonces,
 * keys, job runs are in the database), so N of them may share one PostgreSQL; an
 * on-disk PGlite serves one process only (its directory is locked, db/dir-lock.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Database } from './db/db';
import { openDatabase, type OpenDatabaseOptions } from './db/open';
import { buildApp, type AppOptions } from './http/app';
import { loadOrCreateServerKey, type ServerKey } from './keys';
import { checkpointAll } from './audit/checkpoints';
import { purgeExpiredNonces } from './http/auth';
import { runJobOnce } from './jobs';

export interface StartServerOptions extends OpenDatabaseOptions, Omit<AppOptions, 'db' | 'key'> {
  readonly host?: string;
  /** 0 = any free port. */
  readonly port?: number;
  /** Checkpoint interval, ms (default 60 s; 0 disables the timer, see checkpointNow). */
  readonly checkpointIntervalMs?: number;
  /** Use this open database instead of opening one (tests share one PGlite per file). */
  readonly db?: Database;
}

export interface RunningServer {
  readonly url: string;
  readonly db: Database;
  readonly key: ServerKey;
  readonly app: FastifyInstance;
  /** Signs a checkpoint for every org whose log grew; returns how many orgs have one. */
  checkpointNow(): Promise<number>;
  /** Stops listening and the timers; closes the database only if this server opened it. */
  close(): Promise<void>;
}

export async function startServer(opts: StartServerOptions = {}): Promise<RunningServer> {
  const ownsDb = opts.db === undefined;
  const db = opts.db ?? (await openDatabase({ ...opts, holder: 'server' }));
  const key = await loadOrCreateServerKey(db);
  const app = await buildApp({ ...opts, db, key });
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const timers: NodeJS.Timeout[] = [];
  const every = opts.checkpointIntervalMs ?? 60_000;
  if (every > 0) {
    // Errors in a periodic job must not crash the server; the next tick retries. On a
    // shared PostgreSQL each job runs once per period across replicas (./jobs.ts).
    const purgeEvery = 5 * 60_000;
    timers.push(
      setInterval(() => {
        runJobOnce(db, 'checkpoints', every, () => checkpointAll(db, key)).catch(() => undefined);
      }, every).unref(),
    );
    timers.push(
      setInterval(() => {
        runJobOnce(db, 'nonce-purge', purgeEvery, () => purgeExpiredNonces(db, Date.now())).catch(() => undefined);
      }, purgeEvery).unref(),
    );
  }
  return {
    url,
    db,
    key,
    app,
    checkpointNow: () => checkpointAll(db, key),
    async close() {
      for (const t of timers) clearInterval(t);
      await app.close();
      if (ownsDb) await db.close();
    },
  };
}
