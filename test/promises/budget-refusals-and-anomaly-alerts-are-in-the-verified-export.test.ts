/**
 * Promise: what budgets and anomaly rules did is in the signed log IT verifies. Through
 * the real gateway over a real engine enrolled with a real org server on PGlite: a use
 * that raised an alert and a use refused beyond its budget reach the server's export,
 * as `alert.raised` (target `rule`) and `credential.use` `denied` `budget_exceeded`
 * (target `budget`), and the real `latchkey audit verify` accepts the export.
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
import { PASSWORD, apiCredentialDraft } from '../unit/core/helpers';
import { startServer as startApi } from '../unit/gateway/harness';
import { newTenant, startTestServer } from '../unit/server/helpers';
import { vaultDevice } from '../unit/vault-sync/devices';
import { startGatewayOverEngine } from './gateway-over-engine';
import { T0, managed } from './guards-harness';

const ROOT = join(import.meta.dirname, '../..');
const SLOW = 300_000;
const SECRET = 'sk-live_GuardExport_0123456789abcdef';
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

describe('budgets and alerts in the verified export', () => {
  it(
    'an alert and a refusal beyond budget are signed, uploaded, exported and verify',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'latchkey-promise-guards-'));
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
      const item = await device.engine.createItem(apiCredentialDraft('Build API', SECRET, { allowedOrigins: [api.origin] }));

      const clock = { t: T0 };
      const main = await startGatewayOverEngine(device.engine, { now: () => clock.t, policy: () => managed({ budgets: { usesPerHour: 2, onExceeded: 'refuse' } }) });
      cleanups.push(() => main.close());
      const { id: agentId, token } = await main.connectAgent('build-bot');
      await main.gateway.uiHandlers['grants.set']({ agentId, itemId: item.id, mode: 'always' }, {} as never);
      const call = async (method: string) => {
        const r = await main.gateway.callTool(token, 'http_request', { credential: 'Build API', method, url: `${api.origin}/v1/builds` });
        return { isError: r.isError === true, text: r.content.map((c) => c.text).join('') };
      };
      expect((await call('GET')).isError).toBe(false);
      expect((await call('POST')).isError).toBe(false);
      const refused = await call('GET');
      expect(refused.text).toContain('budget_exceeded');

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
      expect(text.includes('/v1/builds')).toBe(false);
      const records = text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const agentActor = { type: 'agent', id: agentId };
      expect(records.filter((r) => r.action === 'alert.raised')).toEqual([
        expect.objectContaining({
          v: 3,
          actor: agentActor,
          outcome: 'success',
          target: { itemId: item.id, tool: 'http_request', origin: api.origin, method: 'POST', rule: 'new_method' },
        }),
      ]);
      expect(records.filter((r) => r.action === 'credential.use').at(-1)).toEqual(
        expect.objectContaining({
          v: 3,
          actor: agentActor,
          outcome: 'denied',
          reason: 'budget_exceeded',
          target: { tool: 'http_request', origin: api.origin, method: 'GET', budget: 'uses_per_hour' },
        }),
      );
    },
    SLOW,
  );
});
