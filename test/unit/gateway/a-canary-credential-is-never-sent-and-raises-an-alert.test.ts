/**
 * Canary credentials, end to end through the REAL gateway over a REAL engine (RPC over
 * a MessageChannel, Dexie on fake-indexeddb) and a real agent over HTTP: a canary is
 * listed like any other credential; asking to use it sends nothing (the destination
 * gets no request), writes a signed `canary_tripped` record naming the canary, raises
 * the UI alert and cuts the agent off until the person restores it; and the canary's
 * value coming back — base64'd — in the result of ANOTHER credential's call is
 * redacted and trips the alarm too. The engine refuses to release a canary itself.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, startGatewayOverEngine, type GatewayOverEngine } from '../../promises/gateway-over-engine';
import { apiCredentialDraft, makeHarness, PASSWORD, type Harness as EngineHarness } from '../core/helpers';
import { startServer, type TestServer } from './harness';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

const CANARY_SECRET = 'canary-Tok3n-9fQ2xZ7pLm3NcVb8RtYw4KaE';
const BUILD_SECRET = 'build-Secret-0123456789abcdefXYZ';

let api: TestServer;
let engineH: EngineHarness;
let main: GatewayOverEngine;
let agent: { id: string; client: Client };
const ids = { canary: '', build: '' };
const alerts: Array<Record<string, unknown>> = [];
let leak = false;

beforeAll(async () => {
  api = await startServer((_req, res) => {
    // When asked to, the API "leaks" the canary's value (as if the agent had planted it there), base64'd in JSON.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, ...(leak ? { note: Buffer.from(`key=${CANARY_SECRET}`).toString('base64') } : {}) }));
  });
  engineH = makeHarness();
  await engineH.engine.createVault(PASSWORD);
  const mk = (title: string, secret: string, canary: boolean) => apiCredentialDraft(title, secret, { allowedOrigins: [api.origin], canary });
  ids.canary = (await engineH.engine.createItem(mk('Prod admin', CANARY_SECRET, true))).id;
  ids.build = (await engineH.engine.createItem(mk('Build API', BUILD_SECRET, false))).id;
  main = await startGatewayOverEngine(engineH.engine, { answer: () => 'once' });
  main.gateway.subscribe((event, payload) => {
    if (event === 'canary-tripped') alerts.push(payload);
  });
  agent = await main.connectAgent('suspicious-bot');
});

afterAll(async () => {
  await main.close();
  engineH.store.close();
  await api.close();
});

const trips = () => engineH.audit.filter((e) => e.reason === 'canary_tripped' && e.action === 'credential.use');

describe('a canary credential', () => {
  it('is listed to the agent like any other credential, with nothing that marks it', async () => {
    const r = await callTool(agent.client, 'list_credentials', {});
    expect(r.isError).toBe(false);
    const names = (JSON.parse(r.text) as { credentials: Array<{ name: string }> }).credentials.map((c) => c.name);
    expect(names).toEqual(['Build API', 'Prod admin']);
    expect(r.text.toLowerCase()).not.toContain('canary');
  });

  it('is never sent: a use attempt reaches no destination, is signed as canary_tripped, alerts the UI and cuts the agent off', async () => {
    const before = api.requests.length;
    const r = await callTool(agent.client, 'http_request', { credential: 'Prod admin', method: 'GET', url: `${api.origin}/v1/admin` });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('forbidden');
    expect(r.text.toLowerCase()).not.toContain('canary');
    expect(api.requests.length).toBe(before);
    expect(trips()).toHaveLength(1);
    expect(trips()[0]).toMatchObject({ actor: { type: 'agent', id: agent.id }, target: { itemId: ids.canary, tool: 'http_request' }, outcome: 'failure' });
    expect(JSON.stringify(engineH.audit)).not.toContain(CANARY_SECRET);
    await expect.poll(() => alerts.length).toBe(1);
    expect(alerts[0]).toMatchObject({ agentId: agent.id, itemId: ids.canary, credentialName: 'Prod admin', how: 'use', tool: 'http_request', cutOff: true });

    // Cut off: even a legitimate credential is refused now, before anything is sent.
    const next = await callTool(agent.client, 'http_request', { credential: 'Build API', method: 'GET', url: `${api.origin}/v1/builds` });
    expect(next.isError).toBe(true);
    expect(next.text).toContain('restore');
    expect(api.requests.length).toBe(before);

    // The person restores the agent: calls work again.
    await main.gateway.uiHandlers['agents.restore']({ agentId: agent.id }, {} as never);
    const ok = await callTool(agent.client, 'http_request', { credential: 'Build API', method: 'GET', url: `${api.origin}/v1/builds` });
    expect(ok.isError).toBe(false);
    expect(api.requests.length).toBe(before + 1);
  });

  it("its value in another call's result (base64'd) is redacted and trips the alarm", async () => {
    leak = true;
    try {
      const r = await callTool(agent.client, 'http_request', { credential: 'Build API', method: 'GET', url: `${api.origin}/v1/builds` });
      expect(r.isError).toBe(false);
      expect(r.text).toContain('[REDACTED by Latchkey]');
      expect(r.text).not.toContain(Buffer.from(`key=${CANARY_SECRET}`).toString('base64'));
      expect(trips()).toHaveLength(2);
      expect(trips()[1]).toMatchObject({ target: { itemId: ids.canary, tool: 'http_request' } });
      await expect.poll(() => alerts.length).toBe(2);
      expect(alerts[1]).toMatchObject({ itemId: ids.canary, how: 'result', cutOff: true });
      const cut = await callTool(agent.client, 'list_credentials', {});
      expect(cut.isError).toBe(true);
    } finally {
      leak = false;
      await main.gateway.uiHandlers['agents.restore']({ agentId: agent.id }, {} as never);
    }
  });

  it('is refused by the engine itself, whoever asks', async () => {
    await expect(engineH.engine.useCredential(ids.canary, agent.id)).rejects.toMatchObject({ code: 'forbidden' });
    expect(engineH.audit.some((e) => e.action === 'item.release' && e.target?.itemId === ids.canary && e.outcome === 'denied' && e.reason === 'canary_tripped')).toBe(true);
  });
});
