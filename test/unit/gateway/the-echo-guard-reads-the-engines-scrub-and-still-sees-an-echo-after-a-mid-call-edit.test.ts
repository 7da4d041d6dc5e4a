/**
 * The echo guard asks the vault-wide scrub which texts may hold the injected credential
 * (`echoOf` → `echoIn`: a form of its value matched in that one scan) and runs its
 * one-secret check only on those (a clean response, or one holding only other vault
 * secrets: no check at all), a compressed body included. Over the REAL
 * engine (Dexie on fake-indexeddb, EngineMainContract on a MessageChannel) and the REAL
 * gateway: a reflected credential is still caught and the whole response withheld; a
 * clean response goes out; and when the item is edited while the call is in flight (the
 * secret rotated, so the engine's matcher no longer holds the value main injected), the
 * engine's answer is not trusted and the old value is still caught — it never reaches
 * the agent.
 */
import { randomBytes } from 'node:crypto';
import { MessageChannel } from 'node:worker_threads';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineMainHandlers, forwardEngineEvents } from '../../../src/core';
import { personalPolicy } from '../../../src/core/policy';
import { createEngineCredentialSource, createGateway, createMemoryGatewayStore, type Gateway } from '../../../src/main/gateway';
import { EngineMainContract } from '../../../src/shared/contracts/engine';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc, serveRpc } from '../../../src/shared/rpc/rpc';
import { makeHarness, PASSWORD, type Harness as EngineHarness } from '../core/helpers';
import { startServer, type TestServer } from './harness';

const FIRST_SECRET = 'rotating-' + randomBytes(12).toString('hex');

let api: TestServer;
let engineH: EngineHarness;
let gateway: Gateway;
let token: string;
let itemId = '';
const cleanups: Array<() => void | Promise<void>> = [];

async function rotate(): Promise<void> {
  const view = await engineH.engine.getItem(itemId);
  await engineH.engine.updateItem({
    id: itemId,
    baseVersion: view.version,
    overview: view.overview,
    details: { kind: 'api_credential', secret: 'rotated-' + randomBytes(12).toString('hex'), customFields: [] },
  });
}

beforeAll(async () => {
  api = await startServer((req, res) => {
    const got = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const reply = (): void => {
      if (req.url === '/gzip-echo' || req.url === '/gzip-clean') {
        // A compressed body: decoded before the scrub, and the echo guard still reads the engine's one scan of it.
        const body = JSON.stringify(req.url === '/gzip-echo' ? { debug: Buffer.from([...got].reverse().join('')).toString('base64'), user: 'alice' } : { ok: true, user: 'alice' });
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(zlib.gzipSync(body));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/clean' ? JSON.stringify({ ok: true, user: 'alice' }) : JSON.stringify({ debug: got, user: 'alice' }));
    };
    // The person edits the credential while this request is in flight.
    if (req.url === '/rotate-then-echo') void rotate().finally(reply);
    else reply();
  });
  engineH = makeHarness();
  const engine = engineH.engine;
  await engine.createVault(PASSWORD);
  itemId = (
    await engine.createItem({
      overview: { kind: 'api_credential', title: 'Rotating', urls: [], tags: [], description: 'rotates', injection: { type: 'bearer' }, allowedOrigins: [api.origin] },
      details: { kind: 'api_credential', secret: FIRST_SECRET, customFields: [] },
    })
  ).id;
  const ch = new MessageChannel();
  const server = serveRpc(fromNodeMessagePort(ch.port1), EngineMainContract, engineMainHandlers(engine));
  const unforward = forwardEngineEvents(engine, { main: server });
  const client = connectRpc(fromNodeMessagePort(ch.port2), EngineMainContract);
  gateway = await createGateway({
    credentials: createEngineCredentialSource(client),
    audit: { append: () => undefined },
    store: createMemoryGatewayStore(),
    tokenKey: randomBytes(32),
    policy: () => personalPolicy(),
    options: { port: 0, socketPath: null, unlockWaitMs: 0 },
  });
  // After an echo the pair is asked again (echo-guard.ts): the person allows it once.
  gateway.subscribe((event, payload) => {
    if (event === 'approval-requested') void gateway.uiHandlers['approvals.answer']({ approvalId: (payload as { id: string }).id, answer: 'once' }, {} as never);
  });
  const paired = await gateway.uiHandlers['agents.pair']({ name: 'agent', client: 'claude_code' }, {} as never);
  token = paired.token;
  await gateway.uiHandlers['grants.set']({ agentId: paired.agent.id, itemId, mode: 'always' }, {} as never);
  cleanups.push(
    async () => gateway.close(),
    unforward,
    () => client.close(),
    () => server.close(),
    () => ch.port1.close(),
    () => ch.port2.close(),
    () => engineH.store.close(),
    () => api.close(),
  );
});

afterAll(async () => {
  for (const c of cleanups) await c();
});

const text = (r: { content: Array<{ text: string }> }): string => r.content.map((c) => c.text).join('');

describe('the echo guard on the engine scrub', () => {
  it('passes a clean response and withholds a reflected credential', async () => {
    const clean = await gateway.callTool(token, 'http_request', { credential: 'Rotating', url: `${api.origin}/clean` });
    expect(JSON.parse(text(clean))).toMatchObject({ status: 200, body: JSON.stringify({ ok: true, user: 'alice' }) });

    const echoed = await gateway.callTool(token, 'http_request', { credential: 'Rotating', url: `${api.origin}/echo` });
    expect(JSON.parse(text(echoed))).toMatchObject({ status: 200, body: '', bodyWithheld: true, echoDetected: true });
    expect(text(echoed)).not.toContain('alice');
  });

  it('withholds a compressed body that reflects the credential (base64 of it reversed) and passes a clean one decoded', async () => {
    const clean = await gateway.callTool(token, 'http_request', { credential: 'Rotating', url: `${api.origin}/gzip-clean` });
    expect(JSON.parse(text(clean))).toMatchObject({ status: 200, body: JSON.stringify({ ok: true, user: 'alice' }) });
    const echoed = await gateway.callTool(token, 'http_request', { credential: 'Rotating', url: `${api.origin}/gzip-echo` });
    expect(JSON.parse(text(echoed))).toMatchObject({ status: 200, body: '', bodyWithheld: true, echoDetected: true });
    expect(text(echoed)).not.toContain('alice');
  });

  it('still catches the injected value when the item was edited during the call', async () => {
    // Released before the edit: the value the destination reflects is one the engine's matcher no longer holds.
    const r = await gateway.callTool(token, 'http_request', { credential: 'Rotating', url: `${api.origin}/rotate-then-echo` });
    const t = text(r);
    expect(t).not.toContain(FIRST_SECRET);
    expect(JSON.parse(t)).toMatchObject({ status: 200, body: '', bodyWithheld: true, echoDetected: true });
  });
});
