/**
 * A downstream MCP server with no credentials (one that really writes files) is used
 * only through the agent's grant of that server and its approval rule: a call asks the
 * person (and writes nothing when denied or unanswered), 'never' hides the server's
 * tools and refuses without asking, 'always' stops asking, "this session" ends at lock,
 * and policy's approval floor still forces the prompt. No record, no use: each call is
 * signed into the real audit log before the server sees it, then its outcome; when the
 * record cannot be written the call fails audit_unavailable and never reaches the server.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEffectivePolicy, personalPolicy } from '../../../src/core/policy';
import { DEFAULT_PERSONAL_SETTINGS } from '../../../src/shared/policy';
import { call, errorCode, startHarness, type Harness } from './harness';

const ROOT = path.resolve(__dirname, '../../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'lk-notes-'));
let h: Harness;
let agent: { id: string; token: string };
const ui = () => h.gateway.uiHandlers;

beforeAll(async () => {
  h = await startHarness([], {
    downstream: [
      {
        name: 'notes',
        transport: { type: 'stdio', command: process.execPath, args: ['--import', 'tsx', path.join(ROOT, 'test/unit/gateway/fixtures/notes-server.ts'), dir], cwd: ROOT },
        credentials: [],
      },
    ],
  });
  agent = await h.pair('Claude Code');
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await ui()['serverGrants.set']({ agentId: agent.id, server: 'notes', mode: 'ask' }, {} as never);
  h.policy = personalPolicy(DEFAULT_PERSONAL_SETTINGS);
  h.answer = () => 'once';
});

const written = (n: string) => existsSync(path.join(dir, `${n}.txt`));
/** The calls the notes server has received (its own log). */
const seenByServer = () => (existsSync(path.join(dir, 'calls.log')) ? readFileSync(path.join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean) : []);

describe('a downstream server without credentials', () => {
  it('with no grant (ask): its tools are listed, and a call asks the person, naming server and tool, before anything runs', async () => {
    const c = await h.connect(agent.token);
    expect((await c.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['notes__write_note', 'notes__read_note']));
    const before = h.prompts.length;
    const r = await call(c, 'notes__write_note', { name: 'a', text: 'hello' });
    expect(r.isError).toBe(false);
    expect(h.prompts.length).toBe(before + 1);
    expect(h.prompts.at(-1)).toMatchObject({ agentId: agent.id, server: 'notes', itemId: null, tool: 'downstream:notes', destination: 'mcp: notes · write_note' });
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('hello');
  });

  it('denied: approval_denied, and the file is not written', async () => {
    h.answer = () => 'deny';
    const r = await call(await h.connect(agent.token), 'notes__write_note', { name: 'denied', text: 'x' });
    expect(errorCode(r.text)).toBe('approval_denied');
    expect(written('denied')).toBe(false);
  });

  it('unanswered: approval_timeout, and the file is not written', async () => {
    h.answer = () => null;
    const r = await call(await h.connect(agent.token), 'notes__write_note', { name: 'timeout', text: 'x' });
    expect(errorCode(r.text)).toBe('approval_timeout');
    expect(written('timeout')).toBe(false);
  });

  it("'never': the tools are not listed, and a call is refused without a prompt", async () => {
    await ui()['serverGrants.set']({ agentId: agent.id, server: 'notes', mode: 'never' }, {} as never);
    const c = await h.connect(agent.token);
    expect((await c.listTools()).tools.map((t) => t.name).filter((n) => n.startsWith('notes__'))).toEqual([]);
    const before = h.prompts.length;
    const r = await call(c, 'notes__write_note', { name: 'never', text: 'x' });
    expect(errorCode(r.text)).toBe('grant_denied');
    expect(h.prompts.length).toBe(before);
    expect(written('never')).toBe(false);
    expect((await ui()['serverGrants.get']({ agentId: agent.id }, {} as never)).grants).toEqual([{ agentId: agent.id, server: 'notes', mode: 'never', sessionApproved: false }]);
  });

  it("'always': no prompt; policy's every-time floor brings the prompt back", async () => {
    await ui()['serverGrants.set']({ agentId: agent.id, server: 'notes', mode: 'always' }, {} as never);
    const c = await h.connect(agent.token);
    const before = h.prompts.length;
    expect((await call(c, 'notes__write_note', { name: 'always', text: 'x' })).isError).toBe(false);
    expect(h.prompts.length).toBe(before);
    h.policy = buildEffectivePolicy(
      [{ policy: { version: 1, org: { name: 'Acme' }, gateway: { approvalModeFloor: 'every_time' } }, source: 'build', path: 'p.json' }],
      DEFAULT_PERSONAL_SETTINGS,
    );
    expect((await call(c, 'notes__read_note', { name: 'always' })).isError).toBe(false);
    expect(h.prompts.length).toBe(before + 1);
  });

  it('"allow until lock": one prompt for several calls, and asked again after the vault locks', async () => {
    h.answer = () => 'session';
    const c = await h.connect(agent.token);
    const before = h.prompts.length;
    await call(c, 'notes__write_note', { name: 's1', text: 'x' });
    await call(c, 'notes__read_note', { name: 's1' });
    expect(h.prompts.length).toBe(before + 1);
    expect((await ui()['serverGrants.get']({ agentId: agent.id }, {} as never)).grants[0]!.sessionApproved).toBe(true);
    h.vault.lock();
    h.vault.unlock();
    await call(c, 'notes__read_note', { name: 's1' });
    expect(h.prompts.length).toBe(before + 2);
  });

  it('policy refusing downstream:notes refuses the call before any prompt', async () => {
    h.policy = buildEffectivePolicy(
      [{ policy: { version: 1, org: { name: 'Acme' }, gateway: { allowedTools: ['http_request'] } }, source: 'build', path: 'p.json' }],
      DEFAULT_PERSONAL_SETTINGS,
    );
    const before = h.prompts.length;
    const r = await call(await h.connect(agent.token), 'notes__write_note', { name: 'policy', text: 'x' });
    expect(errorCode(r.text)).toBe('policy_forbidden');
    expect(h.prompts.length).toBe(before);
    expect(written('policy')).toBe(false);
  });

  it('while the vault is locked a call is refused before the prompt, and the tool does not run', async () => {
    await ui()['serverGrants.set']({ agentId: agent.id, server: 'notes', mode: 'always' }, {} as never);
    const c = await h.connect(agent.token);
    const before = h.prompts.length;
    h.vault.lock();
    try {
      const r = await call(c, 'notes__write_note', { name: 'locked', text: 'x' });
      expect(errorCode(r.text)).toBe('vault_locked');
    } finally {
      h.vault.unlock();
    }
    expect(h.prompts.length).toBe(before);
    expect(written('locked')).toBe(false);
  });

  it('a grant for a server that is not configured is refused', async () => {
    await expect(ui()['serverGrants.set']({ agentId: agent.id, server: 'nope', mode: 'always' }, {} as never)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('a downstream server without credentials: no record, no use', () => {
  it('the use is signed (with its approval) before the server sees the call, and the outcome after', async () => {
    await ui()['serverGrants.set']({ agentId: agent.id, server: 'notes', mode: 'always' }, {} as never);
    const c = await h.connect(agent.token);
    const from = h.audit.records.length;
    // What the server had received at the moment each record was signed (the real AuditLog underneath).
    const seenAtSigning: string[][] = [];
    const append = h.audit.append.bind(h.audit);
    h.audit.append = async (e) => {
      seenAtSigning.push(seenByServer());
      await append(e);
    };
    try {
      expect((await call(c, 'notes__write_note', { name: 'signed', text: 'x' })).isError).toBe(false);
    } finally {
      h.audit.append = append;
    }
    const target = { tool: 'downstream', server: 'notes', serverTool: 'write_note' };
    const signed = h.audit.records.slice(from);
    expect(signed).toHaveLength(2);
    expect(signed[0]).toMatchObject({ v: 3, action: 'credential.use', actor: { type: 'agent', id: agent.id }, target, outcome: 'success', reason: 'always' });
    expect(signed[1]).toMatchObject({ action: 'credential.use', target, outcome: 'success' });
    expect(signed[1]!.reason).toBeUndefined();
    expect(seenAtSigning[0]).not.toContain('write_note signed');
    expect(seenAtSigning[1]).toContain('write_note signed');
  });

  it('a failing audit store stops the call before the server sees it: audit_unavailable, nothing written', async () => {
    await ui()['serverGrants.set']({ agentId: agent.id, server: 'notes', mode: 'always' }, {} as never);
    const c = await h.connect(agent.token);
    // The connection is already up: only the missing record can stop the call.
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('notes__write_note');
    const from = h.audit.records.length;
    h.audit.failing = true;
    try {
      const r = await call(c, 'notes__write_note', { name: 'unsigned', text: 'x' });
      expect(errorCode(r.text)).toBe('audit_unavailable');
    } finally {
      h.audit.failing = false;
    }
    expect(seenByServer().filter((l) => l.endsWith(' unsigned'))).toEqual([]);
    expect(written('unsigned')).toBe(false);
    expect(h.audit.records.length).toBe(from);
  });

  it('after an approval prompt, the signed use names the answer', async () => {
    h.answer = () => 'once';
    const from = h.audit.records.length;
    expect((await call(await h.connect(agent.token), 'notes__write_note', { name: 'asked', text: 'x' })).isError).toBe(false);
    expect(h.audit.records.slice(from)[0]).toMatchObject({ target: { server: 'notes', serverTool: 'write_note' }, outcome: 'success', reason: 'approved_once' });
  });
});
