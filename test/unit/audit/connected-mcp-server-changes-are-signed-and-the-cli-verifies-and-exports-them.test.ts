/**
 * Adding, editing (a rename too) and removing a connected MCP server each write one
 * audit record (mcp_server.add / mcp_server.update / mcp_server.remove, actor the person,
 * target the server's name only: never its command, URL or credentials). The engine's
 * events, signed by the real AuditLog into a v3 chain, are what `latchkey audit verify`
 * accepts and `latchkey audit export` turns into CSV rows naming the server.
 */
import 'fake-indexeddb/auto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryAuditStore, createAuditLog, createEd25519Signer, recordsToJsonLines } from '../../../src/core/audit';
import type { AuditExportItem } from '../../../src/core/audit/export';
import type { McpServerConfig } from '../../../src/shared/mcp-servers';
import { PASSWORD, apiDraft, expectCode, makeHarness } from '../core/helpers';
import { seedKey, testClock } from './fixtures';

const ROOT = join(import.meta.dirname, '../../..');
// Spawning processes is slow on a loaded 2-core machine; not a timing assertion.
const SLOW = 180_000;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(join(ROOT, 'node_modules/.bin/tsx'), ['src/cli/index.ts', 'audit', ...args], { cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const server = (name: string, itemId: string): McpServerConfig => ({
  name,
  transport: { type: 'stdio', command: '/opt/secret-path/bin/server', args: ['--flag'] },
  credentials: [{ itemId, env: 'SERVER_TOKEN' }],
});

describe('connected MCP server changes in the audit log', () => {
  it(
    'add, edit, rename and remove each sign one record naming the server; CLI verify accepts them and export lists them',
    async () => {
      const h = makeHarness();
      await h.engine.createVault(PASSWORD);
      const api = await h.engine.createItem(apiDraft('Token'));
      const from = h.audit.length;
      await h.engine.saveMcpServer(server('files', api.id));
      await h.engine.saveMcpServer({ ...server('files', api.id), transport: { type: 'stdio', command: '/opt/secret-path/bin/other', args: [] } }, 'files');
      await h.engine.saveMcpServer(server('notes', api.id), 'files');
      await h.engine.removeMcpServer('notes');
      // A refused change changes nothing and so records nothing.
      await expectCode(h.engine.removeMcpServer('notes'), 'not_found');
      const events = h.audit.slice(from);
      expect(events).toEqual([
        { action: 'mcp_server.add', actor: { type: 'person' }, target: { server: 'files' }, outcome: 'success' },
        { action: 'mcp_server.update', actor: { type: 'person' }, target: { server: 'files' }, outcome: 'success' },
        { action: 'mcp_server.update', actor: { type: 'person' }, target: { server: 'notes' }, outcome: 'success' },
        { action: 'mcp_server.remove', actor: { type: 'person' }, target: { server: 'notes' }, outcome: 'success' },
      ]);
      expect(JSON.stringify(events)).not.toContain('secret-path');
      expect(JSON.stringify(events)).not.toContain(api.id);

      // Signed as a device signs them (format v3, sealed), then checked and exported by the CLI.
      const signer = createEd25519Signer(seedKey(41));
      const store = new MemoryAuditStore();
      const log = createAuditLog({ store, signer, deviceId: 'device-m', clock: testClock, sealEvery: { records: 1_000_000, ms: 3_600_000 } });
      for (const e of events) await log.append(e);
      const seal = (await log.seal())!;
      const items: AuditExportItem[] = [...(await store.range(1, 100)), seal];
      const dir = await mkdtemp(join(tmpdir(), 'latchkey-mcp-audit-'));
      dirs.push(dir);
      const file = join(dir, 'log.jsonl');
      const keys = join(dir, 'keys.json');
      const csv = join(dir, 'log.csv');
      await writeFile(file, recordsToJsonLines(items));
      await writeFile(keys, JSON.stringify({ devices: { 'device-m': bytesToHex(signer.publicKey) }, server: [] }));
      const [verified, exported] = await Promise.all([cli(['verify', file, '--pubkeys', keys]), cli(['export', '--from', file, '--format', 'csv', '--out', csv])]);
      expect(verified.stderr).toBe('');
      expect(verified.code).toBe(0);
      expect(verified.stdout).toMatch(/^OK: 4 record\(s\) from 1 device\(s\) verified/);
      expect(exported.code).toBe(0);
      const rows = (await readFile(csv, 'utf8')).trimEnd().split('\r\n');
      const header = rows[0]!.split(',');
      const col = (row: string, name: string) => row.split(',')[header.indexOf(name)];
      expect(rows.slice(1).map((r) => [col(r, 'action'), col(r, 'target_server')])).toEqual([
        ['mcp_server.add', 'files'],
        ['mcp_server.update', 'files'],
        ['mcp_server.update', 'notes'],
        ['mcp_server.remove', 'notes'],
      ]);
    },
    SLOW,
  );
});
