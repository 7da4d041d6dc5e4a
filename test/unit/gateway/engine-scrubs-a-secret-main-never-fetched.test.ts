/**
 * Scrubbing lives in the engine (DESIGN §2: main holds one secret for one invocation).
 * Over a REAL engine (Dexie on fake-indexeddb, behind EngineMainContract on a real
 * MessageChannel) and the REAL gateway: an upstream API that echoes a DIFFERENT
 * credential's secret — and a login password, and a concealed custom field — in
 * several encodings and split across network writes gets them all redacted, while
 * every RPC main made is recorded and shows main never received any of them: the
 * only secret that crossed to main is the one of the credential the agent used.
 */
import { randomBytes } from 'node:crypto';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineMainHandlers, forwardEngineEvents } from '../../../src/core';
import { personalPolicy } from '../../../src/core/policy';
import { createEngineCredentialSource, createGateway, createMemoryGatewayStore, type Gateway } from '../../../src/main/gateway';
import { EngineMainContract } from '../../../src/shared/contracts/engine';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc, serveRpc, type RpcClient } from '../../../src/shared/rpc/rpc';
import { makeHarness, PASSWORD, type Harness as EngineHarness } from '../core/helpers';
import { startServer, type TestServer } from './harness';

const USED_SECRET = 'used-token-' + randomBytes(12).toString('hex');
const OTHER_API_SECRET = 'never-fetched-' + randomBytes(12).toString('base64url');
const LOGIN_PASSWORD = 'login-pw-"quoted"/' + randomBytes(8).toString('hex');
const CONCEALED_FIELD = 'recovery-answer-' + randomBytes(8).toString('hex');
const NEVER_FETCHED = [OTHER_API_SECRET, LOGIN_PASSWORD, CONCEALED_FIELD];

function encodings(s: string): string[] {
  const b = Buffer.from(s, 'utf8');
  return [
    s,
    b.toString('base64').replace(/=+$/, ''),
    b.toString('base64url'),
    b.toString('hex'),
    b.toString('hex').toUpperCase(),
    encodeURIComponent(s),
    JSON.stringify(s).slice(1, -1),
  ];
}

type Call = { method: string; params: unknown; result: unknown };

let api: TestServer;
let engineH: EngineHarness;
let gateway: Gateway;
let token: string;
let client: RpcClient<typeof EngineMainContract>;
const calls: Call[] = [];
const ids = { used: '', other: '', login: '' };
const cleanups: Array<() => void | Promise<void>> = [];

beforeAll(async () => {
  api = await startServer((_req, res) => {
    // The other secrets, raw, base64 and hex, as JSON, written in small pieces so each
    // secret is split across network writes.
    const body = JSON.stringify({
      leaked: OTHER_API_SECRET,
      b64: Buffer.from(`{"k":"${OTHER_API_SECRET}"}`).toString('base64'),
      password: LOGIN_PASSWORD,
      answerHex: Buffer.from(CONCEALED_FIELD).toString('hex'),
    });
    res.writeHead(200, { 'content-type': 'application/json', 'x-echo': OTHER_API_SECRET });
    let off = 0;
    const next = (): void => {
      if (off >= body.length) {
        res.end();
        return;
      }
      res.write(body.slice(off, off + 7));
      off += 7;
      setTimeout(next, 1);
    };
    next();
  });

  engineH = makeHarness();
  const engine = engineH.engine;
  await engine.createVault(PASSWORD);
  const mk = (title: string, secret: string) => ({
    overview: { kind: 'api_credential' as const, title, urls: [], tags: [], description: title, injection: { type: 'bearer' as const }, allowedOrigins: [api.origin] },
    details: { kind: 'api_credential' as const, secret, customFields: [] },
  });
  ids.used = (await engine.createItem(mk('Used API', USED_SECRET))).id;
  ids.other = (await engine.createItem(mk('Other API', OTHER_API_SECRET))).id;
  ids.login = (
    await engine.createItem({
      overview: { kind: 'login', title: 'Bank', username: 'alice', urls: ['https://bank.example'], tags: [] },
      details: { kind: 'login', password: LOGIN_PASSWORD, customFields: [{ id: 'q', name: 'Question', concealed: true, value: CONCEALED_FIELD }] },
    })
  ).id;

  const ch = new MessageChannel();
  const server = serveRpc(fromNodeMessagePort(ch.port1), EngineMainContract, engineMainHandlers(engine));
  const unforward = forwardEngineEvents(engine, { main: server });
  client = connectRpc(fromNodeMessagePort(ch.port2), EngineMainContract);
  // Everything main asks the engine, and everything it gets back.
  const spy: RpcClient<typeof EngineMainContract> = {
    ...client,
    call: (async (method: string, params: unknown, opts?: unknown) => {
      const result = await (client.call as (m: string, p: unknown, o?: unknown) => Promise<unknown>)(method, params, opts);
      calls.push({ method, params, result });
      return result;
    }) as RpcClient<typeof EngineMainContract>['call'],
    on: client.on.bind(client),
  };
  gateway = await createGateway({
    credentials: createEngineCredentialSource(spy),
    audit: { append: () => undefined },
    store: createMemoryGatewayStore(),
    tokenKey: randomBytes(32),
    policy: () => personalPolicy(),
    options: { port: 0, socketPath: null, unlockWaitMs: 0 },
  });
  const paired = await gateway.uiHandlers['agents.pair']({ name: 'agent', client: 'claude_code' }, {} as never);
  token = paired.token;
  await gateway.uiHandlers['grants.set']({ agentId: paired.agent.id, itemId: ids.used, mode: 'always' }, {} as never);
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

describe('the engine scrubs results; main holds only the secret of the invocation', () => {
  it("redacts another credential's secret, a login password and a concealed field that main never received", async () => {
    calls.length = 0;
    const r = await gateway.callTool(token, 'http_request', { credential: 'Used API', url: `${api.origin}/anything` });
    const text = r.content.map((c) => c.text).join('');
    expect(r.isError).not.toBe(true);
    expect(text).toContain('"status": 200');
    expect(text).toContain('[REDACTED by Latchkey]');
    for (const s of NEVER_FETCHED) for (const f of encodings(s)) expect(text.includes(f), `a form of a secret survived: ${f.slice(0, 8)}…`).toBe(false);
    expect(api.requests.at(-1)?.headers.authorization).toBe(`Bearer ${USED_SECRET}`);

    // What main asked for: only the used item's secret, and one scrub of the result.
    const uses = calls.filter((c) => c.method === 'credentials.use');
    expect(uses.map((c) => (c.params as { itemId: string }).itemId)).toEqual([ids.used]);
    expect(calls.filter((c) => c.method === 'results.scrub')).toHaveLength(1);
    for (const c of calls) expect(['vault.status', 'credentials.list', 'credentials.use', 'results.scrub', 'audit.append']).toContain(c.method);
    // Nothing main received from the engine holds any of the other secrets, in any form.
    const received = JSON.stringify(calls.map((c) => c.result));
    for (const s of NEVER_FETCHED) for (const f of encodings(s)) expect(received.includes(f)).toBe(false);
    expect(received).toContain(USED_SECRET);
  });

  it('refuses to scrub (and so to answer) when the vault is locked, and scrubs again after unlock', async () => {
    engineH.engine.lock();
    await expect(client.call('results.scrub', { texts: [OTHER_API_SECRET] })).rejects.toMatchObject({ code: 'vault_locked' });
    await engineH.engine.unlockWithPassword(PASSWORD);
    const r = await client.call('results.scrub', { texts: [`x ${OTHER_API_SECRET} y`, 'clean'] });
    expect(r).toEqual({ texts: ['x [REDACTED by Latchkey] y', 'clean'], redactions: 1 });
  });
});
