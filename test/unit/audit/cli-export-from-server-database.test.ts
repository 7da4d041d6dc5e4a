/**
 * The admin flow end to end on a real server database (embedded PGlite on disk):
 * records uploaded through the server's own append path and a checkpoint it signed,
 * then `latchkey audit export --data-dir … --checkpoints-out … --pubkeys-out …` and
 * `latchkey audit verify` on what it wrote: OK, and a record edited in the export fails.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryAuditStore, createAuditLog, createEd25519Signer } from '../../../src/core/audit';
import { toBase64url } from '../../../src/core/crypto/bytes';
import { openDatabase } from '../../../src/server/db/open';
import { createOrg, createUser } from '../../../src/server/admin/admin';
import { appendAuditBatch } from '../../../src/server/audit/store';
import { checkpointOrg } from '../../../src/server/audit/checkpoints';
import { loadOrCreateServerKey } from '../../../src/server/keys';
import { sampleEvent, seedKey, testClock } from './fixtures';

const ROOT = join(import.meta.dirname, '../../..');
const SLOW = 240_000;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(join(ROOT, 'node_modules/.bin/tsx'), ['src/cli/index.ts', 'audit', ...args], { cwd: ROOT, timeout: 180_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('latchkey audit export from the server database', () => {
  it(
    'exports records, checkpoints and keys that verify offline; an edit to the export is caught',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'latchkey-audit-db-'));
      dirs.push(dir);
      const dataDir = join(dir, 'pg');
      const db = await openDatabase({ dataDir });
      let orgId: string;
      try {
        ({ orgId } = await createOrg(db, 'Acme'));
        const { userId } = await createUser(db, orgId, 'Ada');
        const deviceId = randomUUID();
        const signer = createEd25519Signer(seedKey(70));
        await db.asOwner(
          (sql) =>
            sql.query('INSERT INTO devices (org_id, id, user_id, name, public_key) VALUES ($1, $2, $3, $4, $5)', [
              orgId,
              deviceId,
              userId,
              'laptop',
              toBase64url(signer.publicKey),
            ]),
          orgId,
        );
        const log = createAuditLog({ store: new MemoryAuditStore(), signer, deviceId, clock: testClock });
        for (let i = 0; i < 6; i++) await log.append(sampleEvent(i));
        // What the uploader sends: the records and the device's seal over them (format v3).
        const batch = await log.pending(100);
        expect(batch.seals.map((s) => s.seq)).toEqual([6]);
        await db.asTenant(orgId, (sql) => appendAuditBatch(sql, { orgId, deviceId, publicKey: signer.publicKey }, batch.records, batch.seals));
        await checkpointOrg(db, await loadOrCreateServerKey(db), orgId);
      } finally {
        await db.close();
      }

      const out = join(dir, 'log.jsonl');
      const cps = join(dir, 'checkpoints.jsonl');
      const keys = join(dir, 'keys.json');
      const exported = await cli(['export', '--data-dir', dataDir, '--org', orgId, '--format', 'jsonl', '--out', out, '--checkpoints-out', cps, '--pubkeys-out', keys]);
      expect(exported.code, exported.stderr).toBe(0);

      const ok = await cli(['verify', out, '--pubkeys', keys, '--checkpoints', cps, '--log', orgId]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toContain('OK: 6 record(s) from 1 device(s) verified; 1 signed checkpoint(s) match, covering 6 record(s)');
      // The seal travels in the export, right after the record it ends on.
      const exportedLines = (await readFile(out, 'utf8')).trimEnd().split('\n');
      expect(exportedLines).toHaveLength(7);
      expect(JSON.parse(exportedLines[6]!)).toMatchObject({ type: 'seal', seq: 6 });
      const unsealed = join(dir, 'unsealed.jsonl');
      await writeFile(unsealed, exportedLines.slice(0, 6).join('\n') + '\n');
      const dropped = await cli(['verify', unsealed, '--pubkeys', keys]);
      expect(dropped.code).toBe(1);
      expect(dropped.stdout).toContain('seq 1: unsealed');

      const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
      lines[2] = lines[2]!.replace('"outcome":"success"', '"outcome":"denied"');
      const edited = join(dir, 'edited.jsonl');
      await writeFile(edited, lines.join('\n') + '\n');
      const bad = await cli(['verify', edited, '--pubkeys', keys, '--checkpoints', cps]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain('line 3');
      expect(bad.stdout).toContain('seq 3: bad_hash');
    },
    SLOW,
  );
});
