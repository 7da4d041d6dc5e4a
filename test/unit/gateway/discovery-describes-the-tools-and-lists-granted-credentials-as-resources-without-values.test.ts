/**
 * What an agent can discover: server/discover (2026-07-28) and initialize (2025-11-25)
 * describe Latchkey and its tools; the credentials granted to the agent are resources
 * (name, kind, allowed destinations) on both eras — never a value, and never a
 * credential the agent was refused; the tool list carries a cache lifetime on 2026-07-28.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KINDS, LEGACY, MODERN, TASKS, connectAgent, modernRequest, type AgentClient } from './clients';
import { itemId, startHarness, type Harness } from './harness';

const SECRET = 'discovery-secret-0123456789abcdef';
const HIDDEN_SECRET = 'hidden-secret-0123456789abcdef';
let h: Harness;
let agent: { id: string; token: string };
const ids = { shown: itemId(), hidden: itemId() };
const open: AgentClient[] = [];

beforeAll(async () => {
  h = await startHarness([
    { id: ids.shown, name: 'GitHub API', description: 'repos', injection: { type: 'bearer' }, allowedOrigins: ['https://api.github.com'], secret: SECRET },
    { id: ids.hidden, name: 'Hidden', description: 'refused to this agent', injection: { type: 'bearer' }, allowedOrigins: ['https://hidden.example'], secret: HIDDEN_SECRET },
  ]);
  agent = await h.pair('Discovering agent');
  await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: ids.hidden, mode: 'never' }, {} as never);
});
afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await h?.close();
});

describe('server/discover (2026-07-28)', () => {
  it('names the revision, the tools and resources capabilities, the Tasks extension, and describes the tools', async () => {
    const r = await modernRequest(h.url, agent.token, 'server/discover', {});
    const d = r.message!.result!;
    expect(d).toMatchObject({ supportedVersions: [MODERN], capabilities: { tools: {}, resources: {}, extensions: { [TASKS]: {} } }, resultType: 'complete' });
    for (const tool of ['list_credentials', 'http_request']) expect(d.instructions).toContain(tool);
    expect(typeof d.ttlMs).toBe('number');
    expect(d.cacheScope).toBe('private');
  });
  it('tools/list carries a private cache lifetime', async () => {
    const r = await modernRequest(h.url, agent.token, 'tools/list', {});
    expect(r.message?.result).toMatchObject({ ttlMs: 60_000, cacheScope: 'private' });
  });
});

describe('initialize (2025-11-25)', () => {
  it('answers with 2025-11-25, the same description, and no 2026-only fields', async () => {
    const res = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${agent.token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    const text = await res.text();
    const body = JSON.parse(
      text.includes('data:')
        ? text
            .split('\n')
            .find((l) => l.startsWith('data:'))!
            .slice(5)
        : text,
    ) as { result: Record<string, unknown> };
    expect(body.result).toMatchObject({ protocolVersion: LEGACY, serverInfo: { name: 'latchkey' }, capabilities: { tools: {}, resources: {} } });
    expect(body.result.instructions).toContain('http_request');
    expect(body.result).not.toHaveProperty('resultType');
    expect(body.result).not.toHaveProperty('ttlMs');
  });
});

describe.each(CLIENT_KINDS)('credentials as resources: %s', (kind) => {
  it('lists the granted credential with its kind and destinations, never a value or a refused one', async () => {
    const c = await connectAgent(kind, h.url, agent.token);
    open.push(c);
    const resources = await c.listResources();
    expect(resources).toEqual([expect.objectContaining({ uri: 'latchkey://credential/GitHub%20API', name: 'GitHub API' })]);
    expect(resources[0]!.description).toContain('https://api.github.com');
    const text = await c.readResource(resources[0]!.uri);
    expect(JSON.parse(text)).toEqual({ name: 'GitHub API', kind: 'api_credential', injection: 'bearer', description: 'repos', allowedOrigins: ['https://api.github.com'] });
    const all = JSON.stringify(resources) + text;
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(HIDDEN_SECRET);
    expect(all).not.toContain('Hidden');
  });
  it('reading a refused or unknown credential is an error that names nothing', async () => {
    const c = await connectAgent(kind, h.url, agent.token);
    open.push(c);
    await expect(c.readResource('latchkey://credential/Hidden')).rejects.toThrow(/no credential resource/);
    await expect(c.readResource('file:///etc/passwd')).rejects.toThrow(/no credential resource/);
  });
});
