/**
 * Promise: no use without a record. The real gateway, over EngineMainContract, to a
 * real engine whose audit sink is the real signed AuditLog on its real IndexedDB
 * store (fake-indexeddb). While the store works, a use is signed before the secret
 * leaves; once the store is closed for real (writes fail as they do when IndexedDB
 * goes away), the agent's request is refused with audit_unavailable, the local API
 * receives nothing, and the chain that was written still verifies.
 */
import 'fake-indexeddb/auto';
import { randomBytes } from 'node:crypto';
import { MessageChannel } from 'node:worker_threads';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { auditSinkFor, createAuditLog, createEd25519Signer, generateEd25519SecretKey, verifyChain } from '../../src/core/audit';
import { createDexieAuditStore } from '../../src/core/audit/audit-store.dexie';
import { engineMainHandlers, forwardEngineEvents } from '../../src/core';
import { personalPolicy } from '../../src/core/policy';
import { createEngineAuditSink, createEngineCredentialSource, createGateway, createMemoryGatewayStore } from '../../src/main/gateway';
import { EngineMainContract } from '../../src/shared/contracts/engine';
import { fromNodeMessagePort } from '../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc, serveRpc } from '../../src/shared/rpc/rpc';
import { PASSWORD, apiDraft, freshDbName, makeHarness } from '../unit/core/helpers';
import { startServer as startApi } from '../unit/gateway/harness';

const SECRET = 'sk-live_NoRecordNoUse_promise_0123456789';
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('no use without a record', () => {
  it('when the audit store is closed, the credential is not sent and the agent is told why', async () => {
    const auditStore = createDexieAuditStore({ name: `${freshDbName()}-audit` });
    const secretKey = generateEd25519SecretKey();
    const signer = createEd25519Signer(secretKey);
    const log = createAuditLog({ store: auditStore, signer, deviceId: 'personal-device' });
    const h = makeHarness({ extra: { audit: auditSinkFor(log) } });
    cleanups.push(() => h.store.close());
    const api = await startApi((_req, res) => res.end('ok'));
    cleanups.push(() => api.close());
    await h.engine.createVault(PASSWORD);
    const draft = apiDraft('Build API');
    const item = await h.engine.createItem({
      overview: { ...draft.overview, allowedOrigins: [api.origin] },
      details: { ...draft.details, secret: SECRET } as typeof draft.details,
    });

    const ch = new MessageChannel();
    const rpcServer = serveRpc(fromNodeMessagePort(ch.port1), EngineMainContract, engineMainHandlers(h.engine));
    const unforward = forwardEngineEvents(h.engine, { main: rpcServer });
    const engine = connectRpc(fromNodeMessagePort(ch.port2), EngineMainContract);
    const gateway = await createGateway({
      credentials: createEngineCredentialSource(engine),
      audit: createEngineAuditSink(engine),
      store: createMemoryGatewayStore(),
      tokenKey: randomBytes(32),
      policy: () => personalPolicy(),
      options: { port: 0, socketPath: null, unlockWaitMs: 0 },
    });
    cleanups.push(async () => {
      await gateway.close();
      unforward();
      engine.close();
      rpcServer.close();
      ch.port1.close();
      ch.port2.close();
    });
    const status = await gateway.start();
    const paired = await gateway.uiHandlers['agents.pair']({ name: 'build-bot', client: 'claude_code' }, {} as never);
    await gateway.uiHandlers['grants.set']({ agentId: paired.agent.id, itemId: item.id, mode: 'always' }, {} as never);
    const agent = new Client({ name: 'build-bot', version: '1.0.0' });
    await agent.connect(new StreamableHTTPClientTransport(new URL(status.url!), { requestInit: { headers: { Authorization: `Bearer ${paired.token}` } } }));
    cleanups.push(() => agent.close());
    const use = async () => {
      const r = await agent.callTool({ name: 'http_request', arguments: { credential: 'Build API', method: 'GET', url: `${api.origin}/v1` } });
      return { isError: r.isError === true, text: (r.content as Array<{ text: string }>).map((c) => c.text).join('') };
    };

    expect((await use()).isError).toBe(false);
    expect(api.requests.length).toBe(1);
    const head = await log.head();
    expect(head).toMatchObject({ action: 'credential.use', outcome: 'success', reason: 'always', target: { tool: 'http_request', itemId: item.id } });
    const written = await auditStore.range(1, 1000);

    auditStore.close();
    const refused = await use();
    expect(refused.isError).toBe(true);
    expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 'audit_unavailable' } });
    expect(refused.text).toContain('signed audit log');
    expect(refused.text.includes(SECRET)).toBe(false);
    expect(api.requests.length).toBe(1);

    expect(verifyChain(written, { publicKeyFor: (d) => (d === 'personal-device' ? signer.publicKey : undefined) }).ok).toBe(true);
    signer.dispose();
    secretKey.fill(0);
  }, 120_000);
});
