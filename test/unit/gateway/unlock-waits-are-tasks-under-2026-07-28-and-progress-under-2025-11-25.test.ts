/**
 * A call made while the vault is locked waits for the person to unlock it, and each era's
 * clients are told as they are told of an approval wait: under 2026-07-28 with the Tasks
 * extension declared, the call answers at once with a task the client polls and may
 * cancel — cancelling withdraws the wait, so a later unlock sends nothing; under
 * 2025-11-25 (and 2026-07-28 without the extension) progress notifications arrive while
 * it waits. An unlock wait followed by an approval prompt stays one task.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TASKS, connectAgent, modernRequest, type AgentClient, type RawReply } from './clients';
import { itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

const SECRET = 'unlock-wait-secret-0123456789abcdef';
let api: TestServer;
let h: Harness;
let agent: { id: string; token: string };
const id = itemId();
const unlockAsks: Array<{ agentName: string; tool: string }> = [];
let withdrawn = 0;
const open: AgentClient[] = [];
const ext = { [TASKS]: {} };

beforeAll(async () => {
  api = await startServer((_req, res) => res.end('{"done":true}'));
  h = await startHarness([{ id, name: 'API', description: 'test', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: SECRET }], {
    approvalTimeoutMs: 60_000,
    unlockWaitMs: 60_000,
  });
  agent = await h.pair('Unlock agent');
  h.gateway.subscribe((event, payload) => {
    if (event === 'unlock-requested') unlockAsks.push(payload as { agentName: string; tool: string });
    if (event === 'unlock-withdrawn') withdrawn++;
  });
});
afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await h?.close();
  await api?.close();
});
beforeEach(async () => {
  if (h.vault.locked) h.vault.unlock();
  h.prompts.length = 0;
  unlockAsks.length = 0;
  withdrawn = 0;
  h.answer = () => null;
  await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'always' }, {} as never);
  h.vault.lock();
});

const callArgs = () => ({ name: 'http_request', arguments: { credential: 'API', url: `${api.origin}/after-unlock` } });

/** Polls tasks/get (bounded by count, never by time) until `until` holds of the task. */
async function pollUntil(taskId: string, until: (t: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let i = 0; i < 500; i++) {
    const r = await modernRequest(h.url, agent.token, 'tasks/get', { taskId }, { extensions: ext });
    const t = r.message?.result;
    if (!t) throw new Error(`tasks/get failed: ${r.text}`);
    if (until(t)) return t;
    await new Promise((res) => setImmediate(res));
  }
  throw new Error('the task never reached the expected state');
}

function taskOf(r: RawReply): Record<string, unknown> {
  expect(r.status).toBe(200);
  const result = r.message?.result;
  expect(result).toMatchObject({ resultType: 'task', status: 'working', taskId: expect.any(String), pollIntervalMs: expect.any(Number) });
  return result!;
}

describe('2026-07-28 with the Tasks extension', () => {
  it('a call while locked becomes a task that waits for the unlock, then completes with the tool result', async () => {
    const sent = api.requests.length;
    const task = taskOf(await modernRequest(h.url, agent.token, 'tools/call', callArgs(), { extensions: ext }));
    expect(task.statusMessage).toContain('unlock');
    expect(unlockAsks).toEqual([{ agentName: 'Unlock agent', tool: 'http_request', until: expect.any(Number) }]);
    const polled = await modernRequest(h.url, agent.token, 'tasks/get', { taskId: task.taskId }, { extensions: ext });
    expect(polled.message?.result).toMatchObject({ status: 'working' });
    expect(api.requests.length).toBe(sent);
    h.vault.unlock();
    const done = await pollUntil(task.taskId as string, (t) => t.status !== 'working');
    expect(done).toMatchObject({ status: 'completed', result: { structuredContent: { status: 200, body: '{"done":true}' } } });
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(JSON.stringify(done)).not.toContain(SECRET);
  });

  it('an unlock wait then an approval prompt stay one task, whose status says what it waits for now', async () => {
    await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'ask' }, {} as never);
    const task = taskOf(await modernRequest(h.url, agent.token, 'tools/call', callArgs(), { extensions: ext }));
    expect(task.statusMessage).toContain('unlock');
    expect(h.prompts).toHaveLength(0);
    h.vault.unlock();
    const waiting = await pollUntil(task.taskId as string, (t) => String(t.statusMessage).includes('approve'));
    expect(waiting.status).toBe('working');
    expect(h.prompts).toHaveLength(1);
    await h.gateway.uiHandlers['approvals.answer']({ approvalId: h.prompts[0]!.id, answer: 'once' }, {} as never);
    const done = await pollUntil(task.taskId as string, (t) => t.status !== 'working');
    expect(done).toMatchObject({ status: 'completed', result: { structuredContent: { status: 200 } } });
  });

  it('tasks/cancel withdraws the unlock wait: the task reads "cancelled" and a later unlock sends nothing', async () => {
    const sent = api.requests.length;
    const task = taskOf(await modernRequest(h.url, agent.token, 'tools/call', callArgs(), { extensions: ext }));
    const ack = await modernRequest(h.url, agent.token, 'tasks/cancel', { taskId: task.taskId }, { extensions: ext });
    expect(ack.message?.result).toMatchObject({ resultType: 'complete' });
    // No call waits any more: the app is told to stop asking the person to unlock.
    expect(withdrawn).toBe(1);
    h.vault.unlock();
    // Let anything the unlock could have woken run to its end: a settled task stays as it settled.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    const after = await modernRequest(h.url, agent.token, 'tasks/get', { taskId: task.taskId }, { extensions: ext });
    expect(after.message?.result).toMatchObject({ status: 'cancelled' });
    expect(after.message?.result).not.toHaveProperty('result');
    expect(api.requests.length).toBe(sent);
    expect(h.prompts).toHaveLength(0);
  });

  it('one of two waiting tasks cancelled: the other still waits, the request to unlock stands, and the unlock completes it', async () => {
    const first = taskOf(await modernRequest(h.url, agent.token, 'tools/call', callArgs(), { extensions: ext }));
    const second = taskOf(await modernRequest(h.url, agent.token, 'tools/call', callArgs(), { extensions: ext }));
    await modernRequest(h.url, agent.token, 'tasks/cancel', { taskId: first.taskId }, { extensions: ext });
    expect(withdrawn).toBe(0);
    h.vault.unlock();
    expect(await pollUntil(second.taskId as string, (t) => t.status !== 'working')).toMatchObject({ status: 'completed' });
    expect(await pollUntil(first.taskId as string, () => true)).toMatchObject({ status: 'cancelled' });
    expect(withdrawn).toBe(0);
  });

  it('another agent cannot cancel the unlock wait of someone else’s task', async () => {
    const other = await h.pair('Other agent');
    const task = taskOf(await modernRequest(h.url, agent.token, 'tools/call', callArgs(), { extensions: ext }));
    const cancel = await modernRequest(h.url, other.token, 'tasks/cancel', { taskId: task.taskId }, { extensions: ext });
    expect(cancel.message?.error?.code).toBe(-32602);
    h.vault.unlock();
    const done = await pollUntil(task.taskId as string, (t) => t.status !== 'working');
    expect(done.status).toBe('completed');
  });
});

describe.each(['v1', 'v2-legacy', 'v2-modern'] as const)('progress while waiting for the unlock: %s', (kind) => {
  it('progress notifications arrive while the vault is locked; the unlock lets the call complete', async () => {
    const c = await connectAgent(kind, h.url, agent.token);
    open.push(c);
    const seen: Array<{ progress: number; message?: string }> = [];
    const r = await c.callTool('http_request', callArgs().arguments, (p) => {
      seen.push(p);
      // Unlock only once the client has been told it is waiting: proves the notification came first.
      if (seen.length === 1) h.vault.unlock();
    });
    expect(r.isError).toBe(false);
    expect(seen[0]!.message).toContain('unlock');
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.progress).toBeGreaterThan(seen[i - 1]!.progress);
  });
});
