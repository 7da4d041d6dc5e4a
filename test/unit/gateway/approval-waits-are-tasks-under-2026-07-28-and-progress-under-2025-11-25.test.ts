/**
 * A call that waits for the person's approval, as each era's clients understand it:
 * under 2026-07-28 with the Tasks extension declared on the request, the call answers
 * at once with a task (resultType "task") that the client polls with tasks/get and may
 * cancel with tasks/cancel — which withdraws the approval prompt and sends nothing;
 * under 2025-11-25 (and 2026-07-28 without the extension) the call stays open and
 * progress notifications arrive while it waits, when the request carries a progressToken.
 * A task is its agent's alone.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PendingApproval } from '../../../src/shared/contracts/gateway';
import { TASKS, connectAgent, modernRequest, type AgentClient, type RawReply } from './clients';
import { itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

const SECRET = 'task-test-secret-0123456789abcdef';
let api: TestServer;
let h: Harness;
let agent: { id: string; token: string };
const id = itemId();
const settled: Array<{ id: string; outcome: string }> = [];
const open: AgentClient[] = [];
const ext = { [TASKS]: {} };

beforeAll(async () => {
  api = await startServer((_req, res) => res.end('{"done":true}'));
  h = await startHarness([{ id, name: 'API', description: 'test', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: SECRET }], { approvalTimeoutMs: 60_000 });
  agent = await h.pair('Task agent');
  h.gateway.subscribe((event, payload) => {
    if (event === 'approval-settled') settled.push(payload as { id: string; outcome: string });
  });
});
afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await h?.close();
  await api?.close();
});
beforeEach(async () => {
  h.prompts.length = 0;
  settled.length = 0;
  h.answer = () => null;
  await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'ask' }, {} as never);
});

const answer = (p: PendingApproval, a: 'once' | 'deny') => h.gateway.uiHandlers['approvals.answer']({ approvalId: p.id, answer: a }, {} as never);
const pending = async () => (await h.gateway.uiHandlers['approvals.pending']({}, {} as never)).approvals;
const callArgs = () => ({ name: 'http_request', arguments: { credential: 'API', url: `${api.origin}/slow` } });

/** Polls tasks/get (bounded by count, never by time) until the task leaves "working". */
async function pollUntilDone(token: string, taskId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 500; i++) {
    const r = await modernRequest(h.url, token, 'tasks/get', { taskId }, { extensions: ext });
    const t = r.message?.result;
    if (!t) throw new Error(`tasks/get failed: ${r.text}`);
    if (t.status !== 'working') return t;
    await new Promise((res) => setImmediate(res));
  }
  throw new Error('the task never finished');
}

function taskOf(r: RawReply): Record<string, unknown> {
  expect(r.status).toBe(200);
  const result = r.message?.result;
  expect(result).toMatchObject({ resultType: 'task', status: 'working', taskId: expect.any(String), ttlMs: expect.any(Number), pollIntervalMs: expect.any(Number) });
  return result!;
}

describe('2026-07-28 with the Tasks extension', () => {
  it('a call that needs approval becomes a task; approved, it completes with the tool result', async () => {
    const task = taskOf(await modernRequest(h.url, agent.token, 'tools/call', callArgs(), { extensions: ext }));
    expect(task.statusMessage).toContain('approve');
    expect(h.prompts).toHaveLength(1);
    const sent = api.requests.length;
    const polled = await modernRequest(h.url, agent.token, 'tasks/get', { taskId: task.taskId }, { extensions: ext });
    expect(polled.message?.result).toMatchObject({ resultType: 'complete', taskId: task.taskId, status: 'working' });
    expect(api.requests.length).toBe(sent);
    await answer(h.prompts[0]!, 'once');
    const done = await pollUntilDone(agent.token, task.taskId as string);
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ structuredContent: { status: 200, body: '{"done":true}' } });
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(JSON.stringify(done)).not.toContain(SECRET);
  });

  it('a denied task completes with the refusal as a tool error (not "failed")', async () => {
    const task = taskOf(await modernRequest(h.url, agent.token, 'tools/call', callArgs(), { extensions: ext }));
    await answer(h.prompts[0]!, 'deny');
    const done = await pollUntilDone(agent.token, task.taskId as string);
    expect(done).toMatchObject({ status: 'completed', result: { isError: true } });
    expect(JSON.stringify(done.result)).toContain('approval_denied');
  });

  it('tasks/cancel withdraws the approval prompt; nothing is sent; the task reads "cancelled"', async () => {
    const sent = api.requests.length;
    const task = taskOf(await modernRequest(h.url, agent.token, 'tools/call', callArgs(), { extensions: ext }));
    expect(await pending()).toHaveLength(1);
    const ack = await modernRequest(h.url, agent.token, 'tasks/cancel', { taskId: task.taskId }, { extensions: ext });
    expect(ack.message?.result).toMatchObject({ resultType: 'complete' });
    expect(await pending()).toHaveLength(0);
    expect(settled).toEqual([{ id: h.prompts[0]!.id, outcome: 'cancelled' }]);
    const after = await modernRequest(h.url, agent.token, 'tasks/get', { taskId: task.taskId }, { extensions: ext });
    expect(after.message?.result).toMatchObject({ status: 'cancelled' });
    expect(api.requests.length).toBe(sent);
    // The withdrawn prompt can no longer be answered into a release.
    await expect(Promise.resolve().then(() => answer(h.prompts[0]!, 'once'))).rejects.toMatchObject({ code: 'not_found' });
    expect(api.requests.length).toBe(sent);
  });

  it('another agent can neither read nor cancel the task: to it, the task does not exist', async () => {
    const other = await h.pair('Other agent');
    const task = taskOf(await modernRequest(h.url, agent.token, 'tools/call', callArgs(), { extensions: ext }));
    const read = await modernRequest(h.url, other.token, 'tasks/get', { taskId: task.taskId }, { extensions: ext });
    expect(read.message?.error?.code).toBe(-32602);
    const cancel = await modernRequest(h.url, other.token, 'tasks/cancel', { taskId: task.taskId }, { extensions: ext });
    expect(cancel.message?.error?.code).toBe(-32602);
    expect(await pending()).toHaveLength(1);
    await modernRequest(h.url, agent.token, 'tasks/cancel', { taskId: task.taskId }, { extensions: ext });
  });

  it('tasks/get without the extension declared on that request is refused with -32021', async () => {
    const task = taskOf(await modernRequest(h.url, agent.token, 'tools/call', callArgs(), { extensions: ext }));
    const r = await modernRequest(h.url, agent.token, 'tasks/get', { taskId: task.taskId });
    expect(r.message?.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { extensions: { [TASKS]: {} } } } });
    await modernRequest(h.url, agent.token, 'tasks/cancel', { taskId: task.taskId }, { extensions: ext });
  });

  it('a call that needs no approval is answered directly, with no task', async () => {
    await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'always' }, {} as never);
    const r = await modernRequest(h.url, agent.token, 'tools/call', callArgs(), { extensions: ext });
    expect(r.message?.result).toMatchObject({ resultType: 'complete', structuredContent: { status: 200 } });
    expect(r.message?.result).not.toHaveProperty('taskId');
  });

  it('without the extension, no task: the call waits and returns the result itself', async () => {
    h.answer = () => 'once';
    const r = await modernRequest(h.url, agent.token, 'tools/call', callArgs());
    expect(r.message?.result).toMatchObject({ resultType: 'complete', structuredContent: { status: 200 } });
    expect(r.message?.result).not.toHaveProperty('taskId');
  });
});

describe.each(['v1', 'v2-legacy', 'v2-modern'] as const)('progress while waiting: %s', (kind) => {
  it('progress notifications arrive while the prompt is open; the call then completes', async () => {
    const c = await connectAgent(kind, h.url, agent.token);
    open.push(c);
    const seen: Array<{ progress: number; message?: string }> = [];
    const r = await c.callTool('http_request', callArgs().arguments, (p) => {
      seen.push(p);
      // Answer only once the client has been told it is waiting: proves the notification came first.
      if (seen.length === 1) void answer(h.prompts.at(-1)!, 'once');
    });
    expect(r.isError).toBe(false);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen[0]!.message).toContain('approve');
    // Progress only ever goes up.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.progress).toBeGreaterThan(seen[i - 1]!.progress);
  });
});

describe('ending a wait from the other side', () => {
  it('revoking the agent cancels its waiting task and withdraws the prompt', async () => {
    const temp = await h.pair('Revoked while waiting');
    await h.gateway.uiHandlers['grants.set']({ agentId: temp.id, itemId: id, mode: 'ask' }, {} as never);
    const task = taskOf(await modernRequest(h.url, temp.token, 'tools/call', callArgs(), { extensions: ext }));
    expect(await pending()).toHaveLength(1);
    await h.gateway.uiHandlers['agents.revoke']({ agentId: temp.id }, {} as never);
    expect(await pending()).toHaveLength(0);
    // The revoked token cannot even ask any more.
    expect((await modernRequest(h.url, temp.token, 'tasks/get', { taskId: task.taskId }, { extensions: ext })).status).toBe(401);
  });

  it.each(['v1', 'v2-legacy'] as const)('%s: the client abandoning a waiting call withdraws the prompt', async (kind) => {
    const c = await connectAgent(kind, h.url, agent.token);
    open.push(c);
    const abandon = new AbortController();
    const call = c.callTool('http_request', callArgs().arguments, () => abandon.abort(), abandon.signal);
    await expect(call).rejects.toThrow();
    // The server learns of it when the client's socket closes: wait for that (bounded), then check.
    for (let i = 0; i < 300 && (await pending()).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await pending()).toHaveLength(0);
    expect(settled.at(-1)).toMatchObject({ outcome: 'cancelled' });
  });
});
