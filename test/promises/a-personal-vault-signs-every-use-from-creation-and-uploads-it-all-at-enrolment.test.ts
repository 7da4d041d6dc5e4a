/**
 * Promise: IT gets a signed record of every credential use — including the uses made
 * while the vault was personal (no org server yet).
 *
 * Through the real composition, as the app runs it: main's real device service (key
 * made at first start, in a keychain), the engine worker's real composition
 * (deviceFromMain → buildPersonalEngine: a real engine with its real AuditLog on
 * fake-indexeddb, signing through main over a MessagePort), the real gateway over the
 * engine's RPC contract, an agent's granted http_request to a local API. Then the
 * device enrols with a real org server (PGlite, real HTTP), the worker's enrolled
 * composition opens the same databases, and one sync uploads the chain from vault
 * creation. The server's export verifies with the real `latchkey audit verify` and
 * holds the personal-era credential.use record, signed under the id derived from the key.
 */
import 'fake-indexeddb/auto';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { engineMainHandlers, forwardEngineEvents, type Engine } from '../../src/core';
import { fromBase64url } from '../../src/core/crypto/bytes';
import { personalPolicy } from '../../src/core/policy';
import { deviceIdForPublicKey } from '../../src/core/sync/device-id';
import { createDeviceService, deviceEngineHandlers, type DeviceService } from '../../src/main/device';
import { createEngineAuditSink, createEngineCredentialSource, createGateway, createMemoryGatewayStore } from '../../src/main/gateway';
import { createMemoryKeychain } from '../../src/main/keychain/keychain.memory';
import { createNodeArgon2Kdf } from '../../src/node/kdf.argon2.node.js';
import { buildPersonalEngine, buildSyncedEngine, deviceFromMain } from '../../src/renderer/engine/device-sync';
import { issueEnrolCode } from '../../src/server/admin/admin';
import { checkpointOrg } from '../../src/server/audit/checkpoints';
import { openDatabase } from '../../src/server/db/open';
import { loadOrCreateServerKey } from '../../src/server/keys';
import { DeviceEngineContract } from '../../src/shared/contracts/device';
import { EngineMainContract } from '../../src/shared/contracts/engine';
import type { PendingApproval } from '../../src/shared/contracts/gateway';
import { fromNodeMessagePort } from '../../src/shared/rpc/adapters/worker-threads.node';
import type { Port } from '../../src/shared/rpc/port';
import { connectRpc, serveRpc } from '../../src/shared/rpc/rpc';
import { PASSWORD, TEST_KDF, apiDraft, freshDbName } from '../unit/core/helpers';
import { startServer as startApi } from '../unit/gateway/harness';
import { newTenant, nodeRandom, startTestServer } from '../unit/server/helpers';

const ROOT = join(import.meta.dirname, '../..');
const SLOW = 300_000;
const SECRET = 'sk-live_PersonalEra_0123456789abcdef';
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

/** The worker's port to main, with main's device contract served on it (as main/services.ts does). */
function mainPortFor(device: DeviceService): Port {
  const ch = new MessageChannel();
  const server = serveRpc(fromNodeMessagePort(ch.port1), DeviceEngineContract, deviceEngineHandlers(device));
  cleanups.push(() => {
    server.close();
    ch.port1.close();
    ch.port2.close();
  });
  return fromNodeMessagePort(ch.port2);
}

/** Main's gateway over the engine's RPC contract, as src/main/compose.ts wires it. */
async function gatewayOver(engine: Engine) {
  const ch = new MessageChannel();
  const rpcServer = serveRpc(fromNodeMessagePort(ch.port1), EngineMainContract, engineMainHandlers(engine));
  const unforward = forwardEngineEvents(engine, { main: rpcServer });
  const client = connectRpc(fromNodeMessagePort(ch.port2), EngineMainContract);
  const gateway = await createGateway({
    credentials: createEngineCredentialSource(client),
    audit: createEngineAuditSink(client),
    store: createMemoryGatewayStore(),
    tokenKey: randomBytes(32),
    policy: () => personalPolicy(),
    options: { port: 0, socketPath: null, unlockWaitMs: 0, approvalTimeoutMs: 5_000 },
  });
  return {
    gateway,
    async close() {
      await gateway.close();
      unforward();
      client.close();
      rpcServer.close();
      ch.port1.close();
      ch.port2.close();
    },
  };
}

describe('a personal vault signs every use from its creation, and enrolment uploads it all', () => {
  it(
    "an agent's use while personal is in the org server's verified export after the device enrols",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'latchkey-promise-personal-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const keychain = createMemoryKeychain();
      const device = createDeviceService({ keychain });
      cleanups.push(() => device.close());
      const dbName = freshDbName();
      const engineDeps = { kdf: createNodeArgon2Kdf(), passwordKdf: TEST_KDF, allowWeakKdfForTesting: true };

      // ---- Personal: no org server anywhere.
      const personalMain = await deviceFromMain(Promise.resolve(mainPortFor(device)), 5_000);
      if (personalMain.kind !== 'personal') throw new Error(`expected personal, got ${personalMain.kind}`);
      const derivedId = deviceIdForPublicKey(fromBase64url(personalMain.status.publicKey));
      expect(personalMain.status.deviceId).toBe(derivedId);
      const personal = buildPersonalEngine({ dbName, client: personalMain.client, status: personalMain.status, random: nodeRandom, engine: engineDeps });
      cleanups.push(() => personal.engine.lock());

      const api = await startApi((_req, res) => res.end('{"ok":true}'));
      cleanups.push(() => api.close());
      await personal.engine.createVault(PASSWORD);
      const draft = apiDraft('Build API');
      const item = await personal.engine.createItem({
        overview: { ...draft.overview, allowedOrigins: [api.origin] },
        details: { ...draft.details, secret: SECRET } as typeof draft.details,
      });

      const gw = await gatewayOver(personal.engine);
      cleanups.push(() => gw.close());
      gw.gateway.subscribe((event, payload) => {
        if (event === 'approval-requested')
          queueMicrotask(() => void gw.gateway.uiHandlers['approvals.answer']({ approvalId: (payload as PendingApproval).id, answer: 'once' }, {} as never));
      });
      const status = await gw.gateway.start();
      const paired = await gw.gateway.uiHandlers['agents.pair']({ name: 'build-bot', client: 'claude_code' }, {} as never);
      const agent = new Client({ name: 'build-bot', version: '1.0.0' });
      await agent.connect(new StreamableHTTPClientTransport(new URL(status.url!), { requestInit: { headers: { Authorization: `Bearer ${paired.token}` } } }));
      cleanups.push(() => agent.close());
      const r = await agent.callTool({ name: 'http_request', arguments: { credential: 'Build API', method: 'GET', url: `${api.origin}/v1/builds` } });
      expect(r.isError).not.toBe(true);
      expect(api.requests.length).toBe(1);

      // What the Activity page reads while personal: the same record, verified.
      const shown = await personal.auditReader.recent({});
      if (shown.state !== 'verified') throw new Error(`expected a verified log, got ${shown.state}`);
      expect(shown.entries.map((e) => e.action)).toContain('credential.use');
      expect(shown.entries.at(-1)).toMatchObject({ seq: 1, action: 'vault.create' });

      await agent.close();
      await gw.close();
      personal.engine.lock();

      // ---- Enrolment with a real org server; the app restarts its worker.
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
      const { code } = await issueEnrolCode(db, orgId, userId);
      const enrolledStatus = await device.enrol({ serverUrl: server.url, code, deviceName: 'laptop' });
      if (!enrolledStatus.enrolled) throw new Error('expected enrolled');
      expect(enrolledStatus.deviceId).toBe(derivedId);

      const enrolledMain = await deviceFromMain(Promise.resolve(mainPortFor(device)), 5_000);
      if (enrolledMain.kind !== 'enrolled') throw new Error(`expected enrolled, got ${enrolledMain.kind}`);
      const synced = buildSyncedEngine({ dbName, client: enrolledMain.client, status: enrolledMain.status, random: nodeRandom, engine: engineDeps });
      cleanups.push(() => synced.engine.lock());
      await synced.engine.unlockWithPassword(PASSWORD);
      const report = await synced.vaultSync.sync();
      expect(report.auditUploaded).toBeGreaterThanOrEqual(shown.total);
      synced.engine.lock();

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
      const records = text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((x) => x.type !== 'seal'); // the device's seals over its records (format v3)
      // The whole chain from vault creation, under the key's id.
      expect(records[0]).toMatchObject({ seq: 1, device: derivedId, action: 'vault.create' });
      expect(records.every((x) => x.device === derivedId)).toBe(true);
      expect(records.map((x) => x.seq)).toEqual(records.map((_, i) => i + 1));
      const personalEraUse = records.find((x) => x.action === 'credential.use' && (x.seq as number) <= shown.total);
      expect(personalEraUse).toMatchObject({
        v: 3,
        actor: { type: 'agent', id: paired.agent.id },
        outcome: 'success',
        reason: 'approved_once',
        target: { tool: 'http_request', itemId: item.id, origin: api.origin },
      });
      // Later records continue the same chain after enrolment.
      expect(records.some((x) => x.action === 'vault.unlock' && (x.seq as number) > shown.total)).toBe(true);
    },
    SLOW,
  );
});
