/**
 * PostgreSQL for the benches: DATABASE_URL_TEST when it is set, otherwise a throwaway
 * cluster of this run's own (scripts/postgres.sh, as `npm test` starts one), stopped and
 * removed at the end. Null when neither is possible (the bench then says so and skips).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export interface BenchPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '../..');

function sh(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => execFile('bash', args, { cwd: ROOT, env }, (err, out) => (err ? reject(new Error(err.message)) : resolve(out))));
}

export async function benchPostgres(): Promise<BenchPostgres | { readonly unavailable: string }> {
  const given = process.env.DATABASE_URL_TEST;
  if (given) return { url: given, stop: async () => undefined };
  const pgbin = process.env.LATCHKEY_PGBIN ?? '/usr/lib/postgresql/15/bin';
  if (!existsSync(join(pgbin, 'initdb'))) return { unavailable: `PostgreSQL 15 is not installed (${pgbin}/initdb), and DATABASE_URL_TEST is not set` };
  const dir = `/tmp/latchkey-pg-bench-${process.pid}`;
  const env = { ...process.env, LATCHKEY_PG_DIR: dir, LATCHKEY_PG_PORT: process.env.LATCHKEY_BENCH_PG_PORT ?? '55434' };
  let out: string;
  try {
    out = await sh(['scripts/postgres.sh', 'start'], env);
  } catch (e) {
    return { unavailable: `PostgreSQL did not start (scripts/postgres.sh: ${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
  const url = /DATABASE_URL_TEST=(\S+)/.exec(out)?.[1];
  if (!url) return { unavailable: 'scripts/postgres.sh printed no URL' };
  return {
    url,
    async stop() {
      await sh(['scripts/postgres.sh', 'stop'], env).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A new, empty database on that server; its URL. */
export async function freshPgDatabase(base: string, prefix = 'lk_bench'): Promise<string> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}
