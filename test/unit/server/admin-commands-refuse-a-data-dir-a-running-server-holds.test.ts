/**
 * An on-disk PGlite directory admits one process. While a real server process holds
 * it, `latchkey server create-org --data-dir` is refused with a message pointing to the
 * admin API, and nothing is written; once the server is killed with SIGKILL (its lock
 * file left behind, its pid dead) the same command works.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/commands/server';
import { run as auditCli } from '../../../src/cli/commands/audit';
import { openDatabase } from '../../../src/server/db/open';
import { LOCK_FILE_NAME } from '../../../src/server/db/dir-lock';
import { capture, killHard, spawnServer } from './server-process';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('admin commands and a held data directory', () => {
  it('are refused while a server runs on it, write nothing, and work after the server is killed', { timeout: 120_000 }, async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const tmp = mkdtempSync(join(tmpdir(), 'lk-held-'));
      dirs.push(tmp);
      const dataDir = join(tmp, 'pgdata');
      const { child } = await spawnServer({ dataDir }, [], children);

      const refused = capture();
      expect(await run(['create-org', '--name', 'lost-org', '--data-dir', dataDir], refused.io)).toBe(1);
      const msg = refused.err.join('\n');
      expect(msg).toMatch(/in use by a running Latchkey server \(process \d+\)/);
      expect(msg).toMatch(/--server URL --admin-key FILE/);
      expect(refused.out).toEqual([]);
      // The on-host audit export is refused the same way (it would read a stale copy).
      const exp = capture();
      expect(await auditCli(['export', '--data-dir', dataDir, '--org', '00000000-0000-4000-8000-000000000000', '--format', 'jsonl'], exp.io)).toBe(3);
      expect(exp.err.join('\n')).toMatch(/in use by a running Latchkey server/);

      await killHard(child);
      // SIGKILL leaves the lock file behind: it names a dead process, so it is stale.
      expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(true);

      const ok = capture();
      expect(await run(['create-org', '--name', 'kept-org', '--data-dir', dataDir], ok.io)).toBe(0);
      expect(ok.out[0]).toMatch(/^org [0-9a-f-]{36}$/);

      const db = await openDatabase({ dataDir });
      try {
        const names = await db.asOwner((sql) => sql.query<{ name: string }>('SELECT name FROM orgs ORDER BY name'));
        expect(names.map((r) => r.name)).toEqual(['kept-org']);
      } finally {
        await db.close();
      }
      // A closed database gives the directory back.
      expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });

  it('a second opener in the same process is refused too (one opener per directory)', { timeout: 60_000 }, async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'lk-held2-'));
    dirs.push(tmp);
    const dataDir = join(tmp, 'pgdata');
    const first = await openDatabase({ dataDir });
    try {
      await expect(openDatabase({ dataDir })).rejects.toMatchObject({ code: 'conflict' });
    } finally {
      await first.close();
    }
  });
});
