/**
 * Promise: an agent calling while the vault is locked waits for the person to unlock it,
 * as its client understands waiting — over the real engine (its lock and password unlock)
 * and the real gateway over EngineMainContract. Under 2026-07-28 with the Tasks extension
 * the call is a task at once; the password unlock lets it go on to its approval and
 * result. A task cancelled while locked withdraws the wait: the later unlock sends
 * nothing and raises no prompt. Under 2025-11-25 the call stays open with progress.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingApproval } from '../../src/shared/contracts/gateway';
import { PASSWORD, apiCredentialDraft, makeHarness, type Harness } from '../unit/core/helpers';
import { TASKS, connectAgent, modernRequest, type AgentClient } from '../unit/gateway/clients';
import { startServer, type TestServer } from '../unit/gateway/harness';
import { startGatewayOverEngine, type GatewayOverEngine } from './gateway-over-engine';

const SECRET = 'locked-engine-secret-Qw0123456789abcdef';
const ext = { [TASKS]: {} };
let h: Harness;
let api: TestServer;
let main: GatewayOverEngine;
let url: string;
let token: string;
const prompts: PendingApproval[] = [];
const open: AgentClient[] = [];

beforeAll(async () => {
  api = await startServer((_req, res) => res.end('{"ok":true}'));
  h = makeHarness();
  await h.engine.createVault(PASSWORD);
  await h.engine.createItem(apiCredentialDraft('API', SECRET, { allowedOrigins: [api.origin] }));
  main = await startGatewayOverEngine(h.engine, { options: { unlockWaitMs: 60_000, approvalTimeoutMs: 60_000 }, answer: () => 'once' });
  main.gateway.subscribe((event, payload) => {
    if (event === 'approval-requested') prompts.push(payload as PendingApproval);
  });
  url = main.gateway.status().url!;
  token = (await main.connectAgent('Locked-vault agent')).token;
}, 60_000);
afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await main?.close();
  await api?.close();
});

const callArgs = () => ({ name: 'http_request', arguments: { credential: 'API', url: `${api.origin}/x` } });

async function pollUntilDone(taskId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 500; i++) {
    const t = (await modernRequest(url, token, 'tasks/get', { taskId }, { extensions: ext })).message?.result;
    if (!t) throw new Error('tasks/get failed');
    if (t.status !== 'working') return t;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('the task never finished');
}

describe('a call while the real engine is locked', () => {
  it('2026-07-28 with Tasks: a task that waits for the unlock, then the approval, then completes', async () => {
    h.engine.lock('user');
    const before = prompts.length;
    const r = await modernRequest(url, token, 'tools/call', callArgs(), { extensions: ext });
    expect(r.message?.result).toMatchObject({ resultType: 'task', status: 'working', statusMessage: expect.stringContaining('unlock') });
    expect(prompts.length).toBe(before);
    await h.engine.unlockWithPassword(PASSWORD);
    const done = await pollUntilDone(r.message!.result!.taskId as string);
    expect(done).toMatchObject({ status: 'completed', result: { structuredContent: { status: 200, body: '{"ok":true}' } } });
    expect(prompts.length).toBe(before + 1);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(JSON.stringify(done)).not.toContain(SECRET);
  });

  it('2026-07-28 with Tasks: cancelled while locked, the wait is withdrawn; the unlock sends nothing and asks nothing', async () => {
    h.engine.lock('user');
    const sent = api.requests.length;
    const before = prompts.length;
    const r = await modernRequest(url, token, 'tools/call', callArgs(), { extensions: ext });
    const taskId = r.message!.result!.taskId as string;
    await modernRequest(url, token, 'tasks/cancel', { taskId }, { extensions: ext });
    await h.engine.unlockWithPassword(PASSWORD);
    for (let i = 0; i < 20; i++) await new Promise((res) => setImmediate(res));
    const after = (await modernRequest(url, token, 'tasks/get', { taskId }, { extensions: ext })).message?.result;
    expect(after).toMatchObject({ status: 'cancelled' });
    expect(api.requests.length).toBe(sent);
    expect(prompts.length).toBe(before);
  });

  it('2025-11-25: the call stays open with progress while locked, and completes after the unlock', async () => {
    const c = await connectAgent('v2-legacy', url, token);
    open.push(c);
    h.engine.lock('user');
    const seen: Array<{ progress: number; message?: string }> = [];
    const out = await c.callTool('http_request', callArgs().arguments, (p) => {
      seen.push(p);
      if (seen.length === 1) void h.engine.unlockWithPassword(PASSWORD);
    });
    expect(out.isError).toBe(false);
    expect(seen[0]!.message).toContain('unlock');
  });
});
