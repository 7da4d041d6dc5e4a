/**
 * The admin audit export streams: a log longer than several pages comes out whole, in
 * log order, byte for byte what the in-memory export holds, and it verifies; records
 * that arrive while an export runs are not half in it (the export is of the log size
 * the admin transaction saw, and the admin log says which). A response cut off mid-way
 * leaves no output file, and the CLI says so in plain words.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as auditCli, type CliIo } from '../../../src/cli/commands/audit';
import { writeAdminKeyFile } from '../../../src/cli/admin-client';
import { MemoryAuditStore, createAuditLog, createEd25519Signer, recordsToJsonLines, type AuditLog } from '../../../src/core/audit';
import { uploadPendingAudit } from '../../../src/core/sync';
import { addAdmin } from '../../../src/server/admin/admin';
import { listAdminActions } from '../../../src/server/admin/actions';
import { auditExportChunks, exportAuditIn, planAuditExport } from '../../../src/server/admin/export';
import { enrolTestDevice, newTenant, useTestServer, type TestDevice } from './helpers';

const env = useTestServer();
let tmp = '';
let keyFile = '';
let tenant: { orgId: string; userId: string };
let dev: TestDevice;
let log: AuditLog;

function capture(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => out.push(t), err: (l) => err.push(l) }, out, err };
}

// More log positions than four export pages (1,000 each), with seals inside and at a page edge.
const RECORDS = 4_500;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'lk-export-stream-'));
  keyFile = join(tmp, 'admin.key');
  await addAdmin(env.db, 'ops', await writeAdminKeyFile(keyFile));
  tenant = await newTenant(env.db);
  dev = await enrolTestDevice(env.server, tenant.orgId, tenant.userId);
  log = createAuditLog({ store: new MemoryAuditStore(), signer: createEd25519Signer(dev.signer.secretKey), deviceId: dev.deviceId, sealEvery: { records: 1_000, ms: 3_600_000 } });
  for (let i = 0; i < RECORDS; i++) {
    await log.append({
      action: 'credential.use',
      actor: { type: 'agent', id: `agent-${i % 3}` },
      target: { itemId: 'C'.repeat(22), origin: 'https://api.example.com', tool: 'http_request' },
      outcome: i % 7 === 0 ? 'denied' : 'success',
      ...(i % 7 === 0 ? { reason: 'approval_denied' as const } : {}),
    });
  }
  expect(await uploadPendingAudit(dev.api, log)).toBe(RECORDS);
}, 300_000);

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const base = () => ['--server', env.server.url, '--admin-key', keyFile, '--org', tenant.orgId];

describe('the admin audit export', () => {
  it('streams a log of several pages whole, in order, as the in-memory export has it, and it verifies', async () => {
    const out = join(tmp, 'all.jsonl');
    const keys = join(tmp, 'keys.json');
    const c = capture();
    expect(await auditCli(['export', ...base(), '--format', 'jsonl', '--out', out, '--pubkeys-out', keys], c.io)).toBe(0);
    expect(c.err.join('\n')).toContain(`exported ${RECORDS} record(s) as jsonl`);
    const whole = await env.db.asTenant(tenant.orgId, (sql) => exportAuditIn(sql, tenant.orgId, {}));
    expect(whole.filter((r) => 'type' in r).length).toBeGreaterThanOrEqual(4);
    expect(readFileSync(out, 'utf8')).toBe(recordsToJsonLines(whole));
    const v = capture();
    expect(await auditCli(['verify', out, '--pubkeys', keys], v.io)).toBe(0);
    expect(v.out.join('')).toMatch(new RegExp(`^OK: ${RECORDS} record\\(s\\) from 1 device\\(s\\) verified`));
    // No temporary file is left beside it.
    expect(readdirSync(tmp).filter((f) => f.includes('.partial'))).toEqual([]);

    const actions = await env.db.asOwner((sql) => listAdminActions(sql, { limit: 5 }));
    const exported = actions.find((a) => a.action === 'export_audit' && a.target?.includes('logSize'));
    expect(JSON.parse(exported!.target!)).toMatchObject({ format: 'jsonl', logSize: RECORDS });
  });

  it('hands the unfiltered log over in whole-line pieces under V8\u2019s large-object size that join to the stored log', async () => {
    // Under 128 KiB a piece is an ordinary young string a scavenge frees (src/server/audit/store.ts, PIECE_POSITIONS).
    const plan = await env.db.asTenant(tenant.orgId, (sql) => planAuditExport(sql, tenant.orgId, { format: 'jsonl' }));
    const pieces: string[] = [];
    for await (const p of auditExportChunks(env.db, plan)) pieces.push(p);
    expect(pieces.length).toBeGreaterThan(Math.ceil(RECORDS / 1000));
    expect(pieces.filter((p) => p.length >= 128 * 1024 || !p.endsWith('\n'))).toEqual([]);
    const whole = await env.db.asTenant(tenant.orgId, (sql) => exportAuditIn(sql, tenant.orgId, {}));
    expect(pieces.join('')).toBe(recordsToJsonLines(whole));
  });

  it('streams CSV with one header and one row per record, filters applied on every page', async () => {
    const c = capture();
    expect(await auditCli(['export', ...base(), '--format', 'csv', '--agent', 'agent-1', '--outcome', 'denied'], c.io)).toBe(0);
    const rows = c.out
      .join('')
      .split('\r\n')
      .filter((l) => l !== '');
    const expected = Array.from({ length: RECORDS }, (_, i) => i).filter((i) => i % 3 === 1 && i % 7 === 0).length;
    expect(rows[0]).toMatch(/^v,seq,time,device,/);
    expect(rows.filter((r) => r.startsWith('v,'))).toHaveLength(1);
    expect(rows).toHaveLength(expected + 1);
    expect(rows.slice(1).every((r) => r.includes(',agent-1,credential.use,denied,approval_denied,'))).toBe(true);
  });

  it('exports the log as it stood when the export was authorised, not records that arrive during it', async () => {
    const out = join(tmp, 'during.jsonl');
    const more = (async () => {
      for (let i = 0; i < 50; i++) await log.append({ action: 'vault.lock', actor: { type: 'system' }, outcome: 'success', reason: 'idle' });
      await uploadPendingAudit(dev.api, log);
    })();
    expect(await auditCli(['export', ...base(), '--format', 'jsonl', '--out', out], capture().io)).toBe(0);
    await more;
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const seqs = lines
      .map((l) => JSON.parse(l) as { type?: string; seq: number })
      .filter((r) => r.type === undefined)
      .map((r) => r.seq);
    // A prefix of the device's chain: 1 … n with no gap, whatever n the snapshot saw.
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBeGreaterThanOrEqual(RECORDS);
  });

  it('a response cut off mid-way writes no file and says what happened', async () => {
    // A server that starts an export and drops the connection half-way.
    const cut: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"v":3,"seq":1}\n'.repeat(200));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((r) => cut.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(cut.address() as AddressInfo).port}`;
    try {
      const out = join(tmp, 'cut.jsonl');
      const c = capture();
      expect(await auditCli(['export', '--server', url, '--admin-key', keyFile, '--org', tenant.orgId, '--format', 'jsonl', '--out', out], c.io)).toBe(3);
      expect(c.err.join('\n')).toMatch(/broke before its answer was complete; nothing was written/);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(tmp).filter((f) => f.includes('.partial'))).toEqual([]);
    } finally {
      await new Promise((r) => cut.close(r));
    }
  });

  it('a response that ends cleanly inside a line is incomplete too: no file', async () => {
    const short: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end('{"v":3,"seq":1}\n{"v":3,"se');
    });
    await new Promise<void>((r) => short.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(short.address() as AddressInfo).port}`;
    try {
      const out = join(tmp, 'short.jsonl');
      const c = capture();
      expect(await auditCli(['export', '--server', url, '--admin-key', keyFile, '--org', tenant.orgId, '--format', 'jsonl', '--out', out], c.io)).toBe(3);
      expect(c.err.join('\n')).toMatch(/ended the export inside a line, so it is incomplete; nothing was written/);
      expect(existsSync(out)).toBe(false);
    } finally {
      await new Promise((r) => short.close(r));
    }
  });
});
