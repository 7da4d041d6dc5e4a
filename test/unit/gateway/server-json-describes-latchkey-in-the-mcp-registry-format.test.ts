/**
 * server.json at the repository root describes Latchkey in the official MCP Registry
 * format (schema 2025-09-29): a reverse-DNS name, a semver version matching
 * package.json, the npm package started as `latchkey mcp` over stdio with the agent
 * token as a secret variable, and the local Streamable HTTP endpoint on the gateway's
 * default port with its bearer header. No token or secret value appears.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATEWAY_PORT, MCP_PATH } from '../../../src/main/gateway/http-server';

const ROOT = path.resolve(__dirname, '../../..');
const server = JSON.parse(readFileSync(path.join(ROOT, 'server.json'), 'utf8')) as Record<string, unknown> & {
  packages: Array<Record<string, unknown> & { transport: { type: string }; environmentVariables: Array<{ name: string; isSecret: boolean; isRequired: boolean; value?: string }> }>;
  remotes: Array<{ type: string; url: string; headers: Array<{ name: string; isSecret: boolean; value?: string }> }>;
};
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

describe('server.json', () => {
  it('has the registry fields: schema, reverse-DNS name, description within 100 characters, version', () => {
    expect(server.$schema).toMatch(/^https:\/\/static\.modelcontextprotocol\.io\/schemas\/\d{4}-\d{2}-\d{2}\/server\.schema\.json$/);
    expect(server.name).toMatch(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/);
    expect(typeof server.description).toBe('string');
    expect((server.description as string).length).toBeLessThanOrEqual(100);
    expect(server.version).toBe(pkg.version);
  });
  it('the npm package runs `latchkey mcp` over stdio; the token is a required secret with no value', () => {
    const p = server.packages[0]!;
    expect(p).toMatchObject({
      registryType: 'npm',
      identifier: pkg.name,
      version: pkg.version,
      transport: { type: 'stdio' },
      packageArguments: [{ type: 'positional', value: 'mcp' }],
    });
    const token = p.environmentVariables.find((v) => v.name === 'LATCHKEY_AGENT_TOKEN')!;
    expect(token).toMatchObject({ isSecret: true, isRequired: true });
    expect(token.value).toBeUndefined();
  });
  it('the remote is the gateway endpoint, with a secret bearer header', () => {
    expect(server.remotes[0]).toMatchObject({ type: 'streamable-http', url: `http://127.0.0.1:${DEFAULT_GATEWAY_PORT}${MCP_PATH}` });
    expect(server.remotes[0]!.headers[0]).toMatchObject({ name: 'Authorization', isSecret: true });
    expect(JSON.stringify(server)).not.toMatch(/lkat_/);
  });
});
