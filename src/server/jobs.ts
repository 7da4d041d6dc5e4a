/**
 * Periodic jobs (checkpoint signing, nonce purge) when several server replicas share
 * one PostgreSQL: each replica ticks on its own timer, and a tick runs the job only if
 * it wins the job's advisory lock (pg_try_advisory_xact_lock, held by the transaction
 * that stays open while the job runs) AND the job is due (job_runs.last_run older than
 * 90% of the period). So the job runs once per period across all replicas, never two
 * at a time; a failed run rolls last_run back and the next tick anywhere retries.
 *
 * PGlite is one process with one connection (the job's own transactions would queue
 * behind the lock's): there the job simply runs.
 */
import type { Database } from './db/db';

/** Advisory lock keys (the migration lock is 7428751). */
export const JOB_LOCK_KEYS = { checkpoints: 7428760, 'nonce-purge': 7428761 } as const;
export type JobName = keyof typeof JOB_LOCK_KEYS;

/** Runs `job` if this replica wins it for this period; true if it ran. */
export async function runJobOnce(db: Database, name: JobName, periodMs: number, job: () => Promise<unknown>): Promise<boolean> {
  if (db.kind === 'pglite') {
    await job();
    return true;
  }
  return db.asOwner(async (sql) => {
    const lock = await sql.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [JOB_LOCK_KEYS[name]]);
    if (!lock[0]?.ok) return false;
    const due = await sql.query(
      `INSERT INTO job_runs (name, last_run) VALUES ($1, now())
       ON CONFLICT (name) DO UPDATE SET last_run = now() WHERE job_runs.last_run <= now() - $2 * interval '1 millisecond'
       RETURNING 1 AS ok`,
      [name, Math.floor(periodMs * 0.9)],
    );
    if (due.length === 0) return false;
    await job();
    return true;
  });
}
