/**
 * Promise: no use without a record. The real gateway, over EngineMainContract, to a
 * real engine whose audit sink is the real signed AuditLog on its real IndexedDB
 * store (fake-indexeddb). While the store works, a use is signed before the secret
 * leaves; once the store is closed for real (writes fail as they do when IndexedDB
 * goes away), the agent's request is refused with audit_unavailable, the local API
 * receives nothing, and the chain that was written still verifies.
 */
import 'fake-indexeddb/auto';
import { afterAll, describe, expect, it } from 'vitest';
import { auditSinkFor, createAuditLog, createEd25519Signer, generateEd25519SecretKey, verifyChain } from '../../src/core/audit';
import { createDexieAuditStore } from '../../src/core/audit/audit-store.dexie';
import { PASSWORD, apiDraft, freshDbName, makeHarness } from '../unit/core/helpers';
import { startServer as startApi } from '../unit/gateway/harness';
import { callTool, startGatewayOverEngine } from './gateway-over-engine';

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

    const main = await startGatewayOverEngine(h.engine);
    cleanups.push(() => main.close());
    const { id: agentId, client: agent } = await main.connectAgent('build-bot');
    await main.gateway.uiHandlers['grants.set']({ agentId, itemId: item.id, mode: 'always' }, {} as never);
    const use = () => callTool(agent, 'http_request', { credential: 'Build API', method: 'GET', url: `${api.origin}/v1` });

    expect((await use()).isError).toBe(false);
    expect(api.requests.length).toBe(1);
    const head = await log.head();
    expect(head).toMatchObject({ action: 'credential.use', outcome: 'success', reason: 'always', target: { tool: 'http_request', itemId: item.id } });
    // Sealed (format v3) before the store closes, as at a lock: records then the seal over them.
    await log.seal();
    const written = [...(await auditStore.range(1, 1000)), ...(await auditStore.seals(1, Number.MAX_SAFE_INTEGER))];

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
