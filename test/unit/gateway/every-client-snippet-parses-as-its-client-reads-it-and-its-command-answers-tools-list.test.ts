/**
 * One-step set-up, per client: each snippet the Agents page shows after pairing is
 * parsed the way its client parses it (JSON config files, a shell command line, Cursor's
 * install deeplink, the .mcpb ZIP and its MCPB 0.3 manifest with ${__dirname} and
 * ${user_config.*} substituted), and what it configures is used for real: stdio
 * commands are launched (an absolute path, never a bare `latchkey`) and answer
 * tools/list through the bridge; HTTP entries answer tools/list with their header.
 */
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { Client as V2Client, StreamableHTTPClientTransport as V2Http } from '@modelcontextprotocol/client';
import { StdioClientTransport as V2Stdio } from '@modelcontextprotocol/client/stdio';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1Stdio } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as V1Http } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigSnippets } from '../../../src/shared/contracts/gateway';
import { MODERN } from './clients';
import { itemId, startHarness, type Harness } from './harness';

let h: Harness;
let token: string;
let snippets: ConfigSnippets;

beforeAll(async () => {
  h = await startHarness(
    [{ id: itemId(), name: 'API', description: 'test', injection: { type: 'bearer' }, allowedOrigins: ['https://api.example.com'], secret: 'snippet-secret-0123456789' }],
    {
      socket: true,
    },
  );
  const r = await h.gateway.uiHandlers['agents.pair']({ name: 'Set-up agent', client: 'claude_desktop' }, {} as never);
  token = r.token;
  snippets = r.snippets;
});
afterAll(async () => h?.close());

interface StdioEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** Launches a stdio entry as an MCP host does (command, args, env; nothing from our shell but PATH/HOME). */
async function stdioToolNames(entry: StdioEntry, sdk: 'v1' | 'v2-modern' = 'v1'): Promise<string[]> {
  expect(path.isAbsolute(entry.command), `command is absolute: ${entry.command}`).toBe(true);
  // The test gateway listens on its own socket; a real install uses the default path.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...entry.env, LATCHKEY_SOCKET: h.socketPath! };
  if (sdk === 'v1') {
    const c = new V1Client({ name: 'host', version: '1' });
    await c.connect(new V1Stdio({ command: entry.command, args: entry.args, env, stderr: 'pipe' }));
    try {
      return (await c.listTools()).tools.map((t) => t.name);
    } finally {
      await c.close();
    }
  }
  const c = new V2Client({ name: 'host', version: '1' }, { versionNegotiation: { mode: { pin: MODERN } } });
  await c.connect(new V2Stdio({ command: entry.command, args: entry.args, env, stderr: 'pipe' }));
  try {
    expect(c.getNegotiatedProtocolVersion()).toBe(MODERN);
    return (await c.listTools()).tools.map((t) => t.name);
  } finally {
    await c.close();
  }
}

async function httpToolNames(url: string, headers: Record<string, string>, sdk: 'v1' | 'v2-modern'): Promise<string[]> {
  if (sdk === 'v1') {
    const c = new V1Client({ name: 'host', version: '1' });
    await c.connect(new V1Http(new URL(url), { requestInit: { headers } }));
    try {
      return (await c.listTools()).tools.map((t) => t.name);
    } finally {
      await c.close();
    }
  }
  const c = new V2Client({ name: 'host', version: '1' }, { versionNegotiation: { mode: { pin: MODERN } } });
  await c.connect(new V2Http(new URL(url), { requestInit: { headers } }));
  try {
    return (await c.listTools()).tools.map((t) => t.name);
  } finally {
    await c.close();
  }
}

/** POSIX shell words: bare words, '…' (literal) and "…" (with \ escapes); enough for a pasted command line. */
function shellWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated quote');
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (ch === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\') i++;
        cur += line[i] ?? '';
        i++;
      }
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch === '\\' ? line[++i]! : ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** Reads a ZIP as an unzip tool does: the central directory, then each local entry (stored or deflated). */
function readZip(buf: Buffer): Map<string, { data: Buffer; mode: number }> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBeGreaterThanOrEqual(0);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = new Map<string, { data: Buffer; mode: number }>();
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const mode = buf.readUInt32LE(p + 38) >>> 16;
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + size);
    files.set(name, { data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw), mode });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

describe('Claude Desktop', () => {
  it('claude_desktop_config.json: an absolute command that answers tools/list over stdio (both eras)', async () => {
    const cfg = JSON.parse(snippets.claudeDesktop) as { mcpServers: Record<string, StdioEntry> };
    const entry = cfg.mcpServers.latchkey!;
    expect(entry.command).not.toBe('latchkey');
    expect(entry.env.LATCHKEY_AGENT_TOKEN).toBe(token);
    expect(await stdioToolNames(entry, 'v1')).toContain('http_request');
    expect(await stdioToolNames(entry, 'v2-modern')).toContain('http_request');
  });

  it('the .mcpb bundle: an MCPB 0.3 manifest, no token inside, and its launcher answers tools/list', async () => {
    const zip = Buffer.from(snippets.claudeDesktopBundle, 'base64');
    expect(zip.includes(Buffer.from(token))).toBe(false);
    const files = readZip(zip);
    const manifest = JSON.parse(files.get('manifest.json')!.data.toString('utf8')) as {
      manifest_version: string;
      name: string;
      version: string;
      description: string;
      author: { name: string };
      server: { type: string; entry_point: string; mcp_config: { command: string; args: string[]; env: Record<string, string> } };
      user_config: Record<string, { type: string; sensitive?: boolean; required?: boolean; title: string; description: string }>;
    };
    expect(manifest).toMatchObject({ manifest_version: '0.3', name: 'latchkey', author: { name: expect.any(String) }, server: { type: 'node' } });
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.description.length).toBeGreaterThan(0);
    expect(files.has(manifest.server.entry_point)).toBe(true);
    expect(manifest.user_config.agent_token).toMatchObject({ type: 'string', sensitive: true, required: true });

    // Install as Claude Desktop does: unpack, substitute ${__dirname} and ${user_config.*}, run with its Node.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lk-mcpb-'));
    for (const [name, f] of files) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), f.data, { mode: f.mode & 0o777 });
    }
    if (process.platform !== 'win32') expect(statSync(path.join(dir, manifest.server.entry_point)).mode & 0o100).toBe(0o100);
    const sub = (s: string) => s.replaceAll('${__dirname}', dir).replace(/\$\{user_config\.([a-z_]+)\}/g, (_m, key: string) => (key === 'agent_token' ? token : ''));
    const { command, args, env } = manifest.server.mcp_config;
    expect(command).toBe('node');
    const names = await stdioToolNames({ command: process.execPath, args: args.map(sub), env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, sub(v)])) });
    expect(names).toContain('http_request');
  });
});

describe('Claude Code', () => {
  it('`claude mcp add` parses as its CLI reads it, and the endpoint answers with that header', async () => {
    const words = shellWords(snippets.claudeCode);
    expect(words.slice(0, 6)).toEqual(['claude', 'mcp', 'add', '--transport', 'http', 'latchkey']);
    const url = words[6]!;
    expect(words.slice(7)).toEqual(['--header', `Authorization: Bearer ${token}`]);
    const [name, value] = words[8]!.split(/:\s*/, 2) as [string, string];
    expect(await httpToolNames(url, { [name]: value }, 'v2-modern')).toContain('http_request');
  });
});

describe('VS Code', () => {
  it('`code --add-mcp <json>`: one JSON argument with name, type http, url and headers', async () => {
    const words = shellWords(snippets.vscodeAddMcp);
    expect(words.slice(0, 2)).toEqual(['code', '--add-mcp']);
    expect(words).toHaveLength(3);
    const entry = JSON.parse(words[2]!) as { name: string; type: string; url: string; headers: Record<string, string> };
    expect(entry).toMatchObject({ name: 'latchkey', type: 'http', headers: { Authorization: `Bearer ${token}` } });
    expect(await httpToolNames(entry.url, entry.headers, 'v1')).toContain('http_request');
  });
  it('.vscode/mcp.json: servers.latchkey of type http', async () => {
    const cfg = JSON.parse(snippets.vscode) as { servers: Record<string, { type: string; url: string; headers: Record<string, string> }> };
    const entry = cfg.servers.latchkey!;
    expect(entry.type).toBe('http');
    expect(await httpToolNames(entry.url, entry.headers, 'v2-modern')).toContain('http_request');
  });
});

describe('Cursor', () => {
  it('the install deeplink carries name and a base64 JSON config that works', async () => {
    const link = new URL(snippets.cursorDeeplink);
    expect(link.protocol).toBe('cursor:');
    expect(link.host).toBe('anysphere.cursor-deeplink');
    expect(link.pathname).toBe('/mcp/install');
    expect(link.searchParams.get('name')).toBe('latchkey');
    const cfg = JSON.parse(Buffer.from(link.searchParams.get('config')!, 'base64').toString('utf8')) as { url: string; headers: Record<string, string> };
    expect(cfg.headers.Authorization).toBe(`Bearer ${token}`);
    expect(await httpToolNames(cfg.url, cfg.headers, 'v2-modern')).toContain('http_request');
  });
  it('~/.cursor/mcp.json: mcpServers.latchkey with url and headers', async () => {
    const cfg = JSON.parse(snippets.cursor) as { mcpServers: Record<string, { url: string; headers: Record<string, string> }> };
    expect(await httpToolNames(cfg.mcpServers.latchkey!.url, cfg.mcpServers.latchkey!.headers, 'v1')).toContain('http_request');
  });
});

describe('any other client', () => {
  it('the generic block: a Streamable HTTP entry and a stdio entry, both working, neither the Claude Desktop snippet', async () => {
    expect(snippets.generic).not.toBe(snippets.claudeDesktop);
    const cfg = JSON.parse(snippets.generic) as { mcpServers: Record<string, { type: string; url?: string; headers?: Record<string, string> } & Partial<StdioEntry>> };
    const http = cfg.mcpServers.latchkey!;
    expect(http.type).toBe('streamable-http');
    expect(await httpToolNames(http.url!, http.headers!, 'v1')).toContain('http_request');
    const stdio = cfg.mcpServers['latchkey-stdio']!;
    expect(stdio.type).toBe('stdio');
    expect(await stdioToolNames({ command: stdio.command!, args: stdio.args!, env: stdio.env! })).toContain('http_request');
  });
});
