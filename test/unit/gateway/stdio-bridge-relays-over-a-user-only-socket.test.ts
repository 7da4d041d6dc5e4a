/**
 * `latchkey mcp` end to end: the SDK's StdioClientTransport spawns the real CLI (node
 * with the tsx loader), which relays to the running gateway over its local socket. The
 * socket lives in a 0700 directory and is itself 0600; a wrong token is refused.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

const ROOT = path.resolve(__dirname, '../../..');
const SECRET = 'bridge-secret-value-abcdef0123456789';
let api: TestServer;
let h: Harness;
let token: string;

function bridge(env: Record<string, string>): StdioClientTransport {
  return new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', path.join(ROOT, 'src/cli/index.ts'), 'mcp'],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stderr: 'pipe',
  });
}

beforeAll(async () => {
  api = await startServer((req, res) => res.end(`auth was ${req.headers.authorization ?? ''}`));
  h = await startHarness([{ id: itemId(), name: 'API', description: 'test', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: SECRET }], { socket: true });
  token = (await h.pair('Claude Desktop')).token;
});
afterAll(async () => {
  await h?.close();
  await api?.close();
});

describe('the stdio bridge', () => {
  it('puts its socket in a 0700 directory with mode 0600', () => {
    if (process.platform === 'win32') return;
    expect(statSync(path.dirname(h.socketPath!)).mode & 0o777).toBe(0o700);
    expect(statSync(h.socketPath!).mode & 0o777).toBe(0o600);
  });

  it('relays tools/list and an injected http_request; stdout carries only protocol', async () => {
    const transport = bridge({ LATCHKEY_AGENT_TOKEN: token, LATCHKEY_SOCKET: h.socketPath! });
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain('http_request');
      const r = await client.callTool({ name: 'http_request', arguments: { credential: 'API', url: `${api.origin}/z` } });
      const text = (r.content as Array<{ text: string }>)[0]!.text;
      expect(JSON.parse(text).status).toBe(200);
      // The test API echoes the injected credential: the echo guard withholds the response.
      expect(JSON.parse(text)).toMatchObject({ bodyWithheld: true, echoDetected: true });
      expect(text).not.toContain(SECRET);
      expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    } finally {
      await client.close();
    }
  });

  it('refuses a wrong token: the bridge exits with a message on stderr and no protocol', async () => {
    const transport = bridge({ LATCHKEY_AGENT_TOKEN: 'lkat_' + 'x'.repeat(43), LATCHKEY_SOCKET: h.socketPath! });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await expect(client.connect(transport)).rejects.toThrow();
    await client.close().catch(() => undefined);
    expect(stderr).toMatch(/refused this agent/);
  });
});
