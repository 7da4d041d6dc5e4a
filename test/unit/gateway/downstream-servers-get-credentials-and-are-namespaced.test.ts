/**
 * Downstream MCP servers: a stdio server configured with a credential gets it in its
 * environment, its tools appear namespaced (`fixture__whoami`), calls need the same
 * grant/approval as any use, and whatever it returns is scrubbed.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, errorCode, itemId, startHarness, type Harness } from './harness';

const ROOT = path.resolve(__dirname, '../../..');
const SECRET = 'downstream-secret-Qq0123456789xyz';
const id = itemId();
let h: Harness;
let agent: { id: string; token: string };

beforeAll(async () => {
  process.env.LATCHKEY_TEST_PARENT_ONLY = 'parent-env-value';
  h = await startHarness([{ id, name: 'Service token', description: 'for the fixture server', injection: { type: 'bearer' }, allowedOrigins: [], secret: SECRET }], {
    downstream: [
      {
        name: 'fixture',
        transport: { type: 'stdio', command: process.execPath, args: ['--import', 'tsx', path.join(ROOT, 'test/unit/gateway/fixtures/downstream-server.ts')], cwd: ROOT },
        credentials: [{ credential: 'Service token', env: 'SERVICE_TOKEN' }],
      },
    ],
  });
  agent = await h.pair('Claude Code');
  await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'session' }, {} as never);
});
afterAll(async () => h?.close());

describe('downstream MCP servers', () => {
  it('lists the downstream tools namespaced, after the person approves the credential', async () => {
    const c = await h.connect(agent.token);
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['list_credentials', 'http_request', 'fixture__whoami', 'fixture__add']));
    expect(h.prompts[0]).toMatchObject({ tool: 'downstream:fixture', destination: 'mcp: fixture', credentialName: 'Service token' });
  });

  it("injects the credential into the server's environment and withholds a result that echoes it", async () => {
    const c = await h.connect(agent.token);
    const r = await c.callTool({ name: 'fixture__whoami', arguments: {} });
    const text = (r.content as Array<{ text: string }>).map((x) => x.text).join('\n');
    // The fixture prints its token: the echo guard withholds the whole result.
    expect(r.isError).toBe(true);
    expect(text).toContain('sent one of its own credentials back');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(createHash('sha256').update(SECRET).digest('hex'));
    expect(h.audit.events.some((e) => e.target?.server === 'fixture' && e.reason === 'echo_detected')).toBe(true);
    const { entries } = await h.gateway.uiHandlers['activity.list']({}, {} as never);
    expect(entries.some((a) => a.tool === 'downstream:fixture' && a.outcome === 'failure' && a.reason === 'echo_detected')).toBe(true);
    const sum = await call(c, 'fixture__add', { a: 2, b: 3 });
    expect(sum.text).toBe('5');
    expect(h.audit.events.some((e) => e.action === 'credential.use' && e.target?.tool === 'downstream' && e.target.server === 'fixture')).toBe(true);
  });

  it('refuses when the grant is "never" and for an unknown server', async () => {
    await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'never' }, {} as never);
    const c = await h.connect(agent.token);
    const r = await call(c, 'fixture__whoami', {});
    expect(r.isError).toBe(true);
    expect(errorCode(r.text)).toBe('not_found');
    expect((await c.listTools()).tools.map((t) => t.name)).not.toContain('fixture__whoami');
    const u = await call(c, 'nope__whoami', {});
    expect(errorCode(u.text)).toBe('not_found');
  });
});
