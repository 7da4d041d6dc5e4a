/**
 * Applies the versioned SQL files in ./migrations (NNN_name.sql, in order), each in
 * its own transaction, recording them in schema_migrations. Idempotent: a server
 * started twice on the same database applies nothing the second time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './db';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export function listMigrations(): { version: number; name: string; sql: string }[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(join(MIGRATIONS_DIR, f), 'utf8') }));
}

export async function migrate(db: Database): Promise<number[]> {
  // Under the same lock as each migration: two replicas starting together would
  // otherwise race on CREATE TABLE IF NOT EXISTS (it is not atomic in PostgreSQL).
  await db.asOwner(async (sql) => {
    await sql.query('SELECT pg_advisory_xact_lock(7428751)');
    await sql.query('CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
  });
  const applied: number[] = [];
  for (const m of listMigrations()) {
    const done = await db.asOwner(async (sql) => {
      // Serialise concurrent starters on a real PostgreSQL (a no-op cost on PGlite).
      await sql.query('SELECT pg_advisory_xact_lock(7428751)');
      const rows = await sql.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (rows.length > 0) return false;
      await runScript(sql, m.sql);
      await sql.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

/** Both drivers accept one statement per extended-protocol query; split on the `;` that end lines. */
async function runScript(sql: { query(text: string): Promise<unknown> }, script: string): Promise<void> {
  const withoutComments = script
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('--'))
    .join('\n');
  const statements: string[] = [];
  let current = '';
  let inDollar = false;
  for (const line of withoutComments.split('\n')) {
    current += line + '\n';
    if ((line.match(/\$\$/g)?.length ?? 0) % 2 === 1) inDollar = !inDollar;
    if (!inDollar && line.trimEnd().endsWith(';')) {
      statements.push(current.trim());
      current = '';
    }
  }
  if (current.trim()) statements.push(current.trim());
  for (const s of statements) await sql.query(s);
}
