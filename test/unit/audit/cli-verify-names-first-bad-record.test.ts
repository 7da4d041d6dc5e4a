/**
 * `latchkey audit verify` as an admin runs it: a real process (`tsx src/cli/index.ts
 * audit verify …`, the project's tsx as `npx tsx` runs it) on files in a temp dir. Each kind of damage exits
 * non-zero and names the first bad record (line, device, seq, reason); an honest
 * export exits 0. Also `audit export --from` to CSV.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { MemoryAuditStore, auditLeafHash, createEd25519Signer, merkleRoot, recordsToJsonLines, signCheckpoint, type AuditRecord } from '../../../src/core/audit';
import { createNodeEd25519Signer } from '../../../src/node/verify.node.js';
import { interleavedLog, makeDevice, sampleEvent, seedKey, testClock } from './fixtures';
import { createV2AuditLog } from './fixtures';

const ROOT = join(import.meta.dirname, '../../..');
// Spawning processes is slow on a loaded 2-core machine; these are not timing assertions.
const SLOW = 180_000;
let dir: string;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // The project's tsx binary directly (what `npx tsx` resolves to, minus npm's own start-up).
    execFile(join(ROOT, 'node_modules/.bin/tsx'), ['src/cli/index.ts', 'audit', ...args], { cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const server = createEd25519Signer(seedKey(60));
const a = makeDevice('device-a', 21);
const b = makeDevice('device-b', 22);
const log = await interleavedLog([a, b], 5); // lines: a1 b1 a2 b2 a3 b3 a4 b4 a5 b5
const cp = await signCheckpoint({ log: 'org-1', size: log.length, root: merkleRoot(log.map(auditLeafHash)), time: '2026-01-02T03:04:05.000Z' }, server);

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}
const keys = (aKey = a.publicKey) => JSON.stringify({ devices: { 'device-a': bytesToHex(aKey), 'device-b': bytesToHex(b.publicKey) }, server: [bytesToHex(server.publicKey)] });
const verify = async (name: string, records: readonly AuditRecord[], extra: string[] = [], keyText = keys()) =>
  cli(['verify', await file(`${name}.jsonl`, recordsToJsonLines(records)), '--pubkeys', await file(`${name}.keys.json`, keyText), ...extra]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-audit-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('latchkey audit verify', () => {
  it(
    'exits 0 on an honest export with its checkpoint, and non-zero naming the first bad record for each kind of damage',
    async () => {
      const tampered = log.slice();
      tampered[4] = { ...tampered[4]!, outcome: 'denied' };
      const dropped = log.filter((_, i) => i !== 4);
      const reordered = log.slice();
      [reordered[4], reordered[6]] = [reordered[6]!, reordered[4]!];
      const twinStore = new MemoryAuditStore();
      await twinStore.add(log[0]!);
      const twin = createV2AuditLog({ store: twinStore, signer: createEd25519Signer(seedKey(21)), deviceId: 'device-a', clock: testClock });
      const forked = [...log.slice(0, 3), await twin.append(sampleEvent(3))];

      const [ok, t, d, r, f, w] = await Promise.all([
        verify('honest', log, ['--checkpoints', await file('cp.jsonl', JSON.stringify(cp) + '\n')]),
        verify('tampered', tampered),
        verify('dropped', dropped),
        verify('reordered', reordered),
        verify('forked', forked),
        verify('wrongkey', log, [], keys(makeDevice('x', 99).publicKey)),
      ]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^OK: 10 record\(s\) from 2 device\(s\) verified; 1 signed checkpoint\(s\) match, covering 10 record\(s\)/);
      expect(t.code).toBe(1);
      expect(t.stdout).toContain('first bad record: line 5, device device-a, seq 3: bad_hash');
      expect(d.code).toBe(1);
      expect(d.stdout).toContain('line 6, device device-a, seq 4: gap');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('line 5, device device-a, seq 4: reorder');
      expect(f.code).toBe(1);
      expect(f.stdout).toContain('line 4, device device-a, seq 2: fork');
      expect(w.code).toBe(1);
      expect(w.stdout).toContain('line 1, device device-a, seq 1: bad_signature');
    },
    SLOW,
  );

  it(
    'exits non-zero when a checkpoint shows a record was deleted after it was covered',
    async () => {
      const trimmed = log.slice(0, 9); // device-b's last record gone: invisible to the chain check
      const res = await verify('trimmed', trimmed, ['--checkpoints', await file('cp2.json', JSON.stringify([cp]))]);
      expect(res.code).toBe(1);
      expect(res.stdout).toContain('checkpoint 1: truncated');
    },
    SLOW,
  );

  it(
    'reports a line that is not JSON, and refuses to run without trusted keys (exit 2)',
    async () => {
      const broken = await file('broken.jsonl', recordsToJsonLines(log.slice(0, 2)) + '{not json\n');
      const [bad, noKeys] = await Promise.all([cli(['verify', broken, '--pubkeys', await file('k.json', keys()), '--json']), cli(['verify', broken])]);
      expect(bad.code).toBe(1);
      expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, reason: 'malformed', line: 3 });
      expect(noKeys.code).toBe(2);
      expect(noKeys.stderr).toContain('--pubkeys');
    },
    SLOW,
  );
});

describe('latchkey audit verify on a larger export', () => {
  it(
    'names the first bad record of a 5,100-record export',
    async () => {
      const big = createV2AuditLog({ store: new MemoryAuditStore(), signer: createNodeEd25519Signer(seedKey(21)), deviceId: 'device-a', clock: testClock });
      const records: AuditRecord[] = [];
      for (let i = 0; i < 5_100; i++) records.push(await big.append(sampleEvent(i)));
      records[5_050] = { ...records[5_050]!, time: '2020-01-01T00:00:00.000Z' };
      const res = await verify('big', records);
      expect(res.code).toBe(1);
      expect(res.stdout).toContain('line 5051, device device-a, seq 5051: bad_hash');
    },
    SLOW,
  );
});

describe('latchkey audit export', () => {
  it(
    'converts a JSON lines export to CSV, and says plainly that --server needs an admin key',
    async () => {
      const src = await file('export.jsonl', recordsToJsonLines(log));
      const out = join(dir, 'export.csv');
      const [csv, viaServer] = await Promise.all([
        cli(['export', '--from', src, '--format', 'csv', '--out', out]),
        cli(['export', '--server', 'https://audit.example.org', '--format', 'csv']),
      ]);
      expect(csv.code).toBe(0);
      const rows = (await readFile(out, 'utf8')).trimEnd().split('\r\n');
      expect(rows[0]).toBe(
        'v,seq,time,device,actor_type,actor_id,action,outcome,reason,target_item,target_slot,target_origin,target_field,target_device,prev_hash,hash,sig,target_tool,target_command,target_method,target_server,target_server_tool,target_policy_key,target_dlp_rule,target_budget,target_rule',
      );
      expect(rows).toHaveLength(11);
      expect(rows[5]).toContain('claude-desktop,credential.use,success,,');
      expect(viaServer.code).toBe(2);
      expect(viaServer.stderr).toContain('--admin-key FILE is required with --server');
    },
    SLOW,
  );
});
