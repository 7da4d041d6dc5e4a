/**
 * A canary trip stops the agent, and the stop is the person's to lift: through the REAL
 * gateway over a REAL engine, with the registry in a real state file, an agent that
 * asked for a canary is listed as stopped, is still refused after the gateway restarts
 * on the same file (same token), works again only after `agents.restore` (signed as
 * `agent.restore`), and once revoked can be removed from the list with its grants
 * (signed as `agent.remove`) — while a live agent cannot be removed.
 */
import 'fake-indexeddb/auto';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileGatewayStore } from '../../../src/main/gateway';
import { callTool, startGatewayOverEngine, type GatewayOverEngine } from '../../promises/gateway-over-engine';
import { apiCredentialDraft, makeHarness, PASSWORD, type Harness as EngineHarness } from '../core/helpers';
import { startServer, type TestServer } from './harness';

const CANARY_SECRET = 'canary-Zq8LmN3xTb7WcR2pYk5HdF9s';
const BUILD_SECRET = 'build-Secret-7aa1c0ffee2f00dBEEF';

let api: TestServer;
let engineH: EngineHarness;
let dir: string;
const tokenKey = randomBytes(32);
const ids = { canary: '', build: '' };
const running: GatewayOverEngine[] = [];

const start = async (): Promise<GatewayOverEngine> => {
  const g = await startGatewayOverEngine(engineH.engine, { answer: () => 'session', store: createFileGatewayStore(path.join(dir, 'gateway.json')), tokenKey });
  running.push(g);
  return g;
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lk-stop-'));
  api = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  engineH = makeHarness();
  await engineH.engine.createVault(PASSWORD);
  const mk = (title: string, secret: string, canary: boolean) => apiCredentialDraft(title, secret, { allowedOrigins: [api.origin], canary });
  ids.canary = (await engineH.engine.createItem(mk('Prod admin', CANARY_SECRET, true))).id;
  ids.build = (await engineH.engine.createItem(mk('Build API', BUILD_SECRET, false))).id;
});

afterAll(async () => {
  for (const g of running) await g.close().catch(() => undefined);
  engineH.store.close();
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

const build = { credential: 'Build API', method: 'GET', url: '' };
const audited = (action: string) => engineH.audit.filter((e) => e.action === action);

describe('an agent stopped by a canary', () => {
  it('is listed as stopped, stays stopped after a restart on the same state file, and works again only once restored', async () => {
    build.url = `${api.origin}/v1/builds`;
    const first = await start();
    const agent = await first.connectAgent('nosy-bot');
    expect((await callTool(agent.client, 'http_request', build)).isError).toBe(false);

    const trip = await callTool(agent.client, 'http_request', { ...build, credential: 'Prod admin' });
    expect(trip.isError).toBe(true);
    const listed = (await first.gateway.uiHandlers['agents.list']({}, {} as never)).agents.find((a) => a.id === agent.id);
    expect(listed?.stoppedAt).toEqual(expect.any(Number));
    await first.close();

    const file = JSON.parse(await readFile(path.join(dir, 'gateway.json'), 'utf8')) as { agents: Array<{ id: string; stoppedAt: number | null }> };
    expect(file.agents.find((a) => a.id === agent.id)?.stoppedAt).toEqual(listed?.stoppedAt);
    expect(JSON.stringify(file)).not.toContain(CANARY_SECRET);

    const second = await start();
    const again = await second.connectWithToken(agent.token);
    const before = api.requests.length;
    const refused = await callTool(again, 'http_request', build);
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('restore');
    expect((await callTool(again, 'list_credentials', {})).isError).toBe(true);
    expect(api.requests.length).toBe(before);
    expect((await second.gateway.uiHandlers['agents.list']({}, {} as never)).agents.find((a) => a.id === agent.id)?.stoppedAt).toEqual(listed?.stoppedAt);

    await second.gateway.uiHandlers['agents.restore']({ agentId: agent.id }, {} as never);
    expect(audited('agent.restore')).toHaveLength(1);
    expect(audited('agent.restore')[0]).toMatchObject({ actor: { type: 'agent', id: agent.id }, outcome: 'success' });
    expect((await second.gateway.uiHandlers['agents.list']({}, {} as never)).agents.find((a) => a.id === agent.id)?.stoppedAt).toBeNull();
    const ok = await callTool(again, 'http_request', build);
    expect(ok.isError).toBe(false);
    expect(api.requests.length).toBe(before + 1);

    // Restoring an agent that is not stopped is a no-op, not a second record.
    await second.gateway.uiHandlers['agents.restore']({ agentId: agent.id }, {} as never);
    expect(audited('agent.restore')).toHaveLength(1);
    await second.close();
  });

  it('a live agent cannot be removed; a revoked one is removed with its grants, and the removal is signed', async () => {
    const g = await start();
    const agent = await g.connectAgent('old-bot');
    await g.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: ids.build, mode: 'always' }, {} as never);
    await expect(g.gateway.uiHandlers['agents.remove']({ agentId: agent.id }, {} as never)).rejects.toMatchObject({ code: 'forbidden' });

    await g.gateway.uiHandlers['agents.revoke']({ agentId: agent.id }, {} as never);
    await g.gateway.uiHandlers['agents.remove']({ agentId: agent.id }, {} as never);
    expect((await g.gateway.uiHandlers['agents.list']({}, {} as never)).agents.some((a) => a.id === agent.id)).toBe(false);
    await expect(g.gateway.uiHandlers['grants.get']({ agentId: agent.id }, {} as never)).rejects.toMatchObject({ code: 'not_found' });
    expect(audited('agent.remove').at(-1)).toMatchObject({ actor: { type: 'agent', id: agent.id }, outcome: 'success' });
    await g.gateway.close();
    const file = JSON.parse(await readFile(path.join(dir, 'gateway.json'), 'utf8')) as { agents: Array<{ id: string }>; grants: Array<{ agentId: string }> };
    expect(file.agents.some((a) => a.id === agent.id)).toBe(false);
    expect(file.grants.some((x) => x.agentId === agent.id)).toBe(false);
    await expect(g.gateway.uiHandlers['agents.remove']({ agentId: agent.id }, {} as never)).rejects.toMatchObject({ code: 'not_found' });
  });
});
