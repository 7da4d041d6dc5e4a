/**
 * One process per PGlite data directory. PGlite is a single-process database: two
 * processes on one directory each keep their own copy in memory and the last to write
 * its pages wins, so an admin command run beside a running server "succeeds" and its
 * rows vanish. Whoever opens a data directory (server or admin command) first takes
 * this lock; everyone else is refused until it closes.
 *
 * The lock is a file created with O_EXCL holding the owner's pid and, on Linux, the
 * process start time from /proc (so a reused pid is not mistaken for the owner). A lock
 * whose owner is gone (kill -9, crash, power loss) is stale and taken over, so a
 * killed server never blocks the directory. Node has no flock(2); O_EXCL plus the
 * liveness check is the portable equivalent.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import { tryParseStrictJson } from '../../shared/encoding/strict-json';

export const LOCK_FILE_NAME = 'latchkey-server.lock';

/** A lock file still being written (empty) is given this long before it counts as stale. */
const HALF_WRITTEN_GRACE_MS = 5_000;

const lockBodySchema = z.strictObject({
  pid: z.number().int().positive(),
  start: z.string().max(32).nullable(),
  holder: z.enum(['server', 'admin']),
  since: z.string().max(40),
});
type LockBody = z.infer<typeof lockBodySchema>;

export interface DirLock {
  release(): void;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks), or null off Linux. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function alive(body: LockBody): boolean {
  try {
    process.kill(body.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else — still the owner.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (body.start === null) return true;
  const now = processStart(body.pid);
  return now === null || now === body.start;
}

function readLock(path: string): { body: LockBody | null; text: string; ageMs: number } | null {
  try {
    const text = readFileSync(path, 'utf8');
    const parsed = tryParseStrictJson(text);
    const body = parsed.ok ? lockBodySchema.safeParse(parsed.value) : undefined;
    return { body: body?.success ? body.data : null, text, ageMs: Date.now() - statSync(path).mtimeMs };
  } catch {
    return null;
  }
}

function heldMessage(dir: string, body: LockBody): string {
  const who = body.holder === 'server' ? 'a running Latchkey server' : 'another latchkey admin command';
  return (
    `The data directory ${dir} is in use by ${who} (process ${body.pid}). ` +
    'Two processes on one data directory lose writes, so nothing was done. ' +
    'Run admin commands against the running server instead: add --server URL --admin-key FILE (see docs/admin-api.md), or stop the server first.'
  );
}

/** Takes the directory's lock or throws `conflict` naming the process that holds it. */
export function lockDataDir(dir: string, holder: LockBody['holder']): DirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE_NAME);
  const mine: LockBody = { pid: process.pid, start: processStart(process.pid), holder, since: new Date().toISOString() };
  const text = JSON.stringify(mine);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
      return {
        release() {
          // Only our own lock: a lock taken over as stale by someone else stays theirs.
          if (readLock(path)?.text === text) unlinkSync(path);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const current = readLock(path);
    if (current === null) continue; // removed meanwhile: try again
    if (current.body === null ? current.ageMs < HALF_WRITTEN_GRACE_MS : alive(current.body)) {
      throw new LatchkeyError(
        'conflict',
        current.body ? heldMessage(dir, current.body) : `The data directory ${dir} is being opened by another process right now; nothing was done. Retry in a few seconds.`,
      );
    }
    // Stale: move it aside (atomic), then re-check that what we moved is what we judged
    // stale; if a live owner replaced it in between, put theirs back.
    const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
    try {
      renameSync(path, aside);
    } catch {
      continue;
    }
    const moved = readLock(aside);
    if (moved && moved.text !== current.text) {
      try {
        renameSync(aside, path);
      } catch {
        /* the new owner's lock is gone either way; the next attempt decides */
      }
      continue;
    }
    try {
      unlinkSync(aside);
    } catch {
      /* already gone */
    }
  }
  throw new LatchkeyError('conflict', `The data directory ${dir} could not be locked; nothing was done. Retry in a few seconds.`);
}
