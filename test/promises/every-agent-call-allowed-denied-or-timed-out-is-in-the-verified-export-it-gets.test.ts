/**
 * Promise: IT gets a signed record of every credential use. Through the real
 * composition — the real gateway (createGateway over the engine's RPC contract, as
 * main wires it), a real engine with its real signed audit log on fake-indexeddb,
 * enrolled with a real org server on PGlite, and the real `latchkey audit` CLI — an
 * agent's allowed, denied and timed-out http_request calls against a local API all
 * appear in the export the server gives IT, and that export verifies.
 */
import 'fake-indexeddb/auto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/server/db/open';
import { checkpointOrg } from '../../src/server/audit/checkpoints';
import { loadOrCreateServerKey } from '../../src/server/keys';
import type { ApprovalAnswer } from '../../src/shared/contracts/gateway';
import { PASSWORD, apiDraft } from '../unit/core/helpers';
import { startServer as startApi } from '../unit/gateway/harness';
import { newTenant, startTestServer } from '../unit/server/helpers';
import { vaultDevice } from '../unit/vault-sync/devices';
import { callTool, startGatewayOverEngine } from './gateway-over-engine';

const ROOT = join(import.meta.dirname, '../..');
const SLOW = 300_000;
const SECRET = 'sk-live_PromiseTest_0123456789abcdef';
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin/latchkey.mjs'), 'audit', ...args], { cwd: ROOT, timeout: 180_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('IT gets a signed record of every credential use', () => {
  it(
    "an agent's allowed, denied and timed-out http_request calls are all in the server's export, and it verifies",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'latchkey-promise-audit-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const dataDir = join(dir, 'pg');
      const db = await openDatabase({ dataDir });
      const server = await startTestServer(db);
      let dbOpen = true;
      cleanups.push(async () => {
        if (dbOpen) {
          await server.close();
          await db.close();
        }
      });
      const { orgId, userId } = await newTenant(db);
      const device = await vaultDevice(server, orgId, userId);
      cleanups.push(() => device.close());

      const api = await startApi((_req, res) => res.end('{"ok":true}'));
      cleanups.push(() => api.close());
      await device.engine.createVault(PASSWORD);
      const draft = apiDraft('Build API');
      const item = await device.engine.createItem({
        overview: { ...draft.overview, allowedOrigins: [api.origin] },
        details: { ...draft.details, secret: SECRET } as typeof draft.details,
      });

      // Main's side, wired as the app wires it: the gateway reaches the engine only over EngineMainContract.
      const answers: Array<ApprovalAnswer | null> = ['once', 'deny', null];
      const main = await startGatewayOverEngine(device.engine, { options: { approvalTimeoutMs: 1_000 }, answer: () => answers.shift() ?? null });
      cleanups.push(() => main.close());
      const { id: agentId, client: agent } = await main.connectAgent('build-bot');

      const results = [];
      for (let i = 0; i < 3; i++) {
        results.push(await callTool(agent, 'http_request', { credential: 'Build API', method: 'GET', url: `${api.origin}/v1/builds` }));
      }
      expect(results.map((r) => r.isError)).toEqual([false, true, true]);
      expect(results[1]!.text).toContain('approval_denied');
      expect(results[2]!.text).toContain('approval_timeout');
      expect(api.requests.length).toBe(1);

      // The device uploads its chain; the server signs a checkpoint over its log.
      await device.vaultSync.sync();
      expect((await device.audit.pending(100)).records.length).toBe(0);
      await checkpointOrg(db, await loadOrCreateServerKey(db), orgId);
      await server.close();
      await db.close();
      dbOpen = false;

      const out = join(dir, 'log.jsonl');
      const cps = join(dir, 'checkpoints.jsonl');
      const keys = join(dir, 'keys.json');
      const exported = await cli(['export', '--data-dir', dataDir, '--org', orgId, '--format', 'jsonl', '--out', out, '--checkpoints-out', cps, '--pubkeys-out', keys]);
      expect(exported.code, exported.stderr).toBe(0);
      const verified = await cli(['verify', out, '--pubkeys', keys, '--checkpoints', cps, '--log', orgId]);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/^OK: /);

      const text = await readFile(out, 'utf8');
      expect(text.includes(SECRET)).toBe(false);
      const uses = text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((r) => r.action === 'credential.use');
      const agentActor = { type: 'agent', id: agentId };
      expect(uses).toEqual([
        expect.objectContaining({
          v: 3,
          actor: agentActor,
          outcome: 'success',
          reason: 'approved_once',
          target: { tool: 'http_request', itemId: item.id, origin: api.origin, method: 'GET' },
        }),
        expect.objectContaining({ v: 3, actor: agentActor, outcome: 'denied', reason: 'approval_denied', target: { tool: 'http_request', origin: api.origin, method: 'GET' } }),
        expect.objectContaining({ v: 3, actor: agentActor, outcome: 'denied', reason: 'approval_timeout', target: { tool: 'http_request', origin: api.origin, method: 'GET' } }),
      ]);
    },
    SLOW,
  );
});
