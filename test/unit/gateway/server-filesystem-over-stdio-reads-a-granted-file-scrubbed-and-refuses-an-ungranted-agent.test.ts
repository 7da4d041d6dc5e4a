/**
 * A real server from the registry as a Connected MCP server: @modelcontextprotocol/
 * server-filesystem over stdio, rooted at a temp directory, started by the gateway's SDK
 * v2 client. Its tools reach the agent namespaced, on both protocol eras; a granted agent
 * reads a file whose content holds a vault secret and gets it with the secret redacted
 * (the file's other text intact); an agent without the grant is asked for and refused
 * (denied: no content), and one granted 'never' sees none of its tools and is refused
 * without a prompt.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED } from '../../../src/core/scrub/scrubber';
import { connectAgent, type AgentClient } from './clients';
import { errorCode, itemId, startHarness, type Harness } from './harness';

const require = createRequire(import.meta.url);
const FILESYSTEM = require.resolve('@modelcontextprotocol/server-filesystem/package.json').replace(/package\.json$/, 'dist/index.js');
const SECRET = 'fs-deploy-secret-Qw0123456789abcdef';
const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'lk-fs-')));
const file = path.join(dir, 'deploy.env');
let h: Harness;
let granted: { id: string; token: string };
let ungranted: { id: string; token: string };
let never: { id: string; token: string };
const open: AgentClient[] = [];

beforeAll(async () => {
  writeFileSync(file, `# deploy settings\nDEPLOY_TOKEN=${SECRET}\nREGION=eu-west\n`);
  h = await startHarness(
    [{ id: itemId(), name: 'Deploy key', description: 'a vault secret that ended up in a file', injection: { type: 'bearer' }, allowedOrigins: [], secret: SECRET }],
    {
      approvalTimeoutMs: 60_000,
      downstream: [{ name: 'files', transport: { type: 'stdio', command: process.execPath, args: [FILESYSTEM, dir] }, credentials: [] }],
    },
  );
  granted = await h.pair('Granted agent');
  ungranted = await h.pair('Ungranted agent');
  never = await h.pair('Never agent');
  await h.gateway.uiHandlers['serverGrants.set']({ agentId: granted.id, server: 'files', mode: 'always' }, {} as never);
  await h.gateway.uiHandlers['serverGrants.set']({ agentId: never.id, server: 'files', mode: 'never' }, {} as never);
});
afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(kind: 'v1' | 'v2-modern', token: string): Promise<AgentClient> {
  const c = await connectAgent(kind, h.url, token);
  open.push(c);
  return c;
}

describe.each(['v1', 'v2-modern'] as const)('server-filesystem behind the gateway: %s', (kind) => {
  it('its tools are listed namespaced; a granted read returns the file with the vault secret redacted', async () => {
    const c = await connect(kind, granted.token);
    const names = (await c.listTools()).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['http_request', 'files__read_text_file', 'files__list_directory', 'files__write_file']));
    const before = h.prompts.length;
    const r = await c.callTool('files__read_text_file', { path: file });
    expect(r.isError).toBe(false);
    expect(h.prompts.length).toBe(before);
    expect(r.text).toContain('REGION=eu-west');
    expect(r.text).toContain(`DEPLOY_TOKEN=${REDACTED}`);
    expect(r.text).not.toContain(SECRET);
    expect(JSON.stringify(r.structuredContent ?? null)).not.toContain(SECRET);
  });

  it('an agent without the grant is asked for; denied, it is refused and gets no content', async () => {
    h.answer = () => 'deny';
    try {
      const c = await connect(kind, ungranted.token);
      const before = h.prompts.length;
      const r = await c.callTool('files__read_text_file', { path: file });
      expect(h.prompts.length).toBe(before + 1);
      expect(h.prompts.at(-1)).toMatchObject({ agentId: ungranted.id, server: 'files', destination: 'mcp: files · read_text_file' });
      expect(r.isError).toBe(true);
      expect(errorCode(r.text)).toBe('approval_denied');
      expect(r.text).not.toContain('REGION');
      expect(r.text).not.toContain(SECRET);
    } finally {
      h.answer = () => 'once';
    }
  });

  it("an agent granted 'never' sees none of its tools and is refused without a prompt", async () => {
    const c = await connect(kind, never.token);
    expect((await c.listTools()).map((t) => t.name).filter((n) => n.startsWith('files__'))).toEqual([]);
    const before = h.prompts.length;
    const r = await c.callTool('files__read_text_file', { path: file });
    expect(r.isError).toBe(true);
    expect(h.prompts.length).toBe(before);
    expect(r.text).not.toContain('REGION');
    expect(r.text).not.toContain(SECRET);
  });
});
