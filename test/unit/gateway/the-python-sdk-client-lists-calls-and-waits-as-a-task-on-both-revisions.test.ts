/**
 * The official MCP Python SDK (mcp 2.3.0, an independent implementation) as an agent
 * against the real gateway over streamable HTTP, on both revisions it speaks: the
 * 2025-11-25 handshake and stateless 2026-07-28. tools/list, an approved http_request
 * (the credential reaches the local API, never the agent), a denied one; and under
 * 2026-07-28 with the Tasks extension (the SDK has only the extension machinery, so
 * python/latchkey_agent.py holds the small client), a call waiting for approval as a
 * task the client polls to its result, and a task it cancels (the prompt withdrawn,
 * nothing sent).
 *
 * The SDK is installed by .ci/run (and the README's setup) into .tmp/pyvenv; where it
 * could not be installed, these tests skip and say so in their names.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

const ROOT = path.resolve(__dirname, '../../..');
const PYTHON = path.join(ROOT, '.tmp/pyvenv/bin/python');
const SCRIPT = path.join(__dirname, 'python/latchkey_agent.py');
const hasSdk = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import mcp, httpx2'], { stdio: 'ignore' }).status === 0;
const SKIP = hasSdk ? '' : ' (skipped: the MCP Python SDK "mcp" is not installed in .tmp/pyvenv on this machine; .ci/run installs it)';
const run = promisify(execFile);
// Each step starts a Python process (pydantic and the SDK import in seconds on a loaded 2-core machine): room, not a timing assertion.
vi.setConfig({ testTimeout: 120_000 });

const SECRET = 'python-sdk-secret-0123456789abcdef';
let api: TestServer;
let h: Harness;
let agent: { id: string; token: string };
const id = itemId();

type Step = Record<string, unknown>;
/** One step's outcome as latchkey_agent.py prints it. */
interface Reply {
  protocolVersion?: string;
  tools?: string[];
  isError?: boolean;
  text?: string;
  structuredContent?: unknown;
  task?: { taskId: string; status: string; statusMessage?: string } | null;
  after?: Record<string, unknown>;
  [key: string]: unknown;
}
async function agentRuns(mode: 'legacy' | 'auto' | '2026-07-28', plan: Step[]): Promise<Reply[]> {
  // Asynchronous on purpose: the gateway answering the script lives in this very process.
  const { stdout } = await run(PYTHON, [SCRIPT, h.url, mode, JSON.stringify(plan)], { env: { ...process.env, LATCHKEY_TOKEN: agent.token }, timeout: 120_000 });
  return JSON.parse(stdout) as Reply[];
}
const call = (name = 'http_request'): Step => ({ step: 'call', name, arguments: { credential: 'API', url: `${api.origin}/py` } });

beforeAll(async () => {
  if (!hasSdk) return;
  api = await startServer((_req, res) => res.end('{"from":"api"}'));
  h = await startHarness([{ id, name: 'API', description: 'test', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: SECRET }], { approvalTimeoutMs: 60_000 });
  agent = await h.pair('Python agent');
  await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'ask' }, {} as never);
});
afterAll(async () => {
  await h?.close();
  await api?.close();
});
beforeEach(() => {
  if (hasSdk) h.answer = () => 'once';
});

describe.skipIf(!hasSdk).each(['legacy', '2026-07-28'] as const)(`the Python SDK client, mode %s${SKIP}`, (mode) => {
  it('negotiates the revision, lists the tools, and an approved http_request returns the API answer without the secret', async () => {
    const sent = api.requests.length;
    const [version, tools, approved] = await agentRuns(mode, [{ step: 'version' }, { step: 'list_tools' }, call()]);
    expect(version!.protocolVersion).toBe(mode === 'legacy' ? '2025-11-25' : '2026-07-28');
    expect(tools!.tools).toEqual(expect.arrayContaining(['list_credentials', 'http_request']));
    expect(approved).toMatchObject({ isError: false, structuredContent: { status: 200, body: '{"from":"api"}' } });
    expect(api.requests.length).toBe(sent + 1);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(JSON.stringify(approved)).not.toContain(SECRET);
  });

  it('a denied http_request is a tool error naming the refusal, and nothing is sent', async () => {
    h.answer = () => 'deny';
    const sent = api.requests.length;
    const [denied] = await agentRuns(mode, [call()]);
    expect(denied!.isError).toBe(true);
    expect(denied!.text).toContain('approval_denied');
    expect(api.requests.length).toBe(sent);
  });
});

describe.skipIf(!hasSdk)(`the Python SDK client with the Tasks extension, 2026-07-28${SKIP}`, () => {
  it('in its default mode ("auto": it probes server/discover) it picks 2026-07-28', async () => {
    const [version, tools] = await agentRuns('auto', [{ step: 'version' }, { step: 'list_tools' }]);
    expect(version!.protocolVersion).toBe('2026-07-28');
    expect(tools!.tools).toEqual(expect.arrayContaining(['http_request']));
  });

  it('a call waiting for approval comes back as a task, which the client polls to the tool result', async () => {
    const [r] = await agentRuns('2026-07-28', [call()]);
    expect(r!.task).toMatchObject({ taskId: expect.any(String), status: 'working' });
    expect(r!.task!.statusMessage).toContain('approve');
    expect(r).toMatchObject({ isError: false, structuredContent: { status: 200 } });
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it('a task the client cancels withdraws the prompt, reads "cancelled", and nothing is sent', async () => {
    h.answer = () => null;
    const sent = api.requests.length;
    const prompts = h.prompts.length;
    const [r] = await agentRuns('2026-07-28', [{ ...call(), step: 'call_then_cancel' }]);
    expect(r!.task).toMatchObject({ status: 'working' });
    expect(r!.after).toMatchObject({ status: 'cancelled' });
    expect(h.prompts.length).toBe(prompts + 1);
    expect((await h.gateway.uiHandlers['approvals.pending']({}, {} as never)).approvals).toHaveLength(0);
    expect(api.requests.length).toBe(sent);
  });
});
