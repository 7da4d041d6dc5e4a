/**
 * Connected MCP servers (Settings → Connected MCP servers) live in the vault's encrypted
 * settings record: they survive lock and reopen, never appear in the stored bytes in the
 * clear, name credentials by item id only, and are checked on the way in (names the
 * audit record accepts, only API credentials of this vault, no unknown fields, unique
 * names). A vault written before them opens with none, and changing auto-lock keeps them.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { mcpServerConfigSchema, mcpServersSettingSchema, type McpServerConfig } from '../../../src/shared/mcp-servers';
import type { EngineEvent } from '../../../src/core/engine-types';
import { PASSWORD, apiDraft, expectCode, loginDraft, makeHarness } from './helpers';

const stdio = (name: string, itemId: string): McpServerConfig => ({
  name,
  transport: { type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'] },
  credentials: [{ itemId, env: 'EVERYTHING_TOKEN' }],
});

describe('connected MCP servers in the vault', () => {
  it('a vault without any opens with none; saved ones survive lock, reopen and an auto-lock change, sealed', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    expect(h.engine.listMcpServers()).toEqual([]);
    const api = await h.engine.createItem(apiDraft('Everything token'));
    const events: EngineEvent['type'][] = [];
    h.engine.subscribe((e) => events.push(e.type));

    await h.engine.saveMcpServer(stdio('secret-name-stdio', api.id));
    const web: McpServerConfig = { name: 'web', transport: { type: 'http', url: 'https://mcp.example.com/mcp' }, credentials: [{ itemId: api.id, header: 'X-Api-Key' }] };
    expect(await h.engine.saveMcpServer(web)).toEqual([stdio('secret-name-stdio', api.id), web]);
    expect(events.filter((e) => e === 'mcpServersChanged')).toHaveLength(2);

    await h.engine.updateSettings({ autoLockMinutes: 5 });
    expect(events.filter((e) => e === 'mcpServersChanged')).toHaveLength(2);
    expect(h.engine.listMcpServers().map((s) => s.name)).toEqual(['secret-name-stdio', 'web']);

    const rec = await h.store.readSettings();
    expect(Buffer.from(rec!.envelope).toString('latin1')).not.toContain('secret-name-stdio');
    expect(Buffer.from(rec!.envelope).toString('latin1')).not.toContain('mcp.example.com');

    h.engine.lock('user');
    await expectCode(() => h.engine.listMcpServers(), 'vault_locked');
    const again = h.reopen();
    await again.engine.unlockWithPassword(PASSWORD);
    expect(again.engine.listMcpServers()).toEqual([stdio('secret-name-stdio', api.id), web]);
    expect(again.engine.getSettings().autoLockMinutes).toBe(5);
    expect((await again.engine.status()).issues).toBeUndefined();
  });

  it('edits replace by name (a rename too), removes take it out, and each refusal says what to fix', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const api = await h.engine.createItem(apiDraft('Token'));
    const login = await h.engine.createItem(loginDraft('A login'));
    await h.engine.saveMcpServer(stdio('one', api.id));
    await h.engine.saveMcpServer(stdio('two', api.id));
    expect((await h.engine.saveMcpServer(stdio('uno', api.id), 'one')).map((s) => s.name)).toEqual(['uno', 'two']);
    await expectCode(h.engine.saveMcpServer(stdio('TWO', api.id)), 'conflict');
    await expectCode(h.engine.saveMcpServer(stdio('uno', api.id), 'two'), 'conflict');
    await expectCode(h.engine.saveMcpServer(stdio('x', api.id), 'gone'), 'not_found');
    // Only API credentials of this vault, and not one in the trash.
    const d1 = await expectCode(h.engine.saveMcpServer(stdio('three', login.id)), 'invalid_input');
    expect(d1).toEqual({ itemId: login.id });
    await expectCode(h.engine.saveMcpServer(stdio('three', 'AAAAAAAAAAAAAAAAAAAAAA')), 'invalid_input');
    await h.engine.trashItem(api.id);
    await expectCode(h.engine.saveMcpServer(stdio('three', api.id)), 'invalid_input');
    expect((await h.engine.removeMcpServer('uno')).map((s) => s.name)).toEqual(['two']);
    await expectCode(h.engine.removeMcpServer('uno'), 'not_found');
  });

  it('the schema refuses names the audit record would not take, unknown fields, values in place of items and misplaced variables', () => {
    const id = 'AAAAAAAAAAAAAAAAAAAAAA';
    const ok = stdio('ok-name-1', id);
    expect(mcpServerConfigSchema.safeParse(ok).success).toBe(true);
    for (const name of ['', 'has_underscore', 'has space', 'a'.repeat(33), 'dot.ted', 'ünï']) {
      expect(mcpServerConfigSchema.safeParse({ ...ok, name }).success, name).toBe(false);
    }
    // A secret value where an item reference belongs, or any field the format does not have.
    expect(mcpServerConfigSchema.safeParse({ ...ok, credentials: [{ value: 'sk-live-123', env: 'TOKEN' }] }).success).toBe(false);
    expect(mcpServerConfigSchema.safeParse({ ...ok, env: { TOKEN: 'sk-live-123' } }).success).toBe(false);
    expect(mcpServerConfigSchema.safeParse({ ...ok, transport: { ...ok.transport, cwd: '/' } }).success).toBe(false);
    // stdio needs an environment variable per credential; HTTP takes headers, not variables.
    expect(mcpServerConfigSchema.safeParse({ ...ok, credentials: [{ itemId: id }] }).success).toBe(false);
    expect(mcpServerConfigSchema.safeParse({ name: 'w', transport: { type: 'http', url: 'https://x.example/mcp' }, credentials: [{ itemId: id, env: 'X' }] }).success).toBe(false);
    expect(mcpServerConfigSchema.safeParse({ name: 'w', transport: { type: 'http', url: 'file:///etc/passwd' }, credentials: [] }).success).toBe(false);
    expect(
      mcpServerConfigSchema.safeParse({
        ...ok,
        credentials: [
          { itemId: id, env: 'A' },
          { itemId: id, env: 'A' },
        ],
      }).success,
    ).toBe(false);
    // The stored member is versioned and its names unique.
    expect(mcpServersSettingSchema.safeParse({ v: 1, servers: [ok] }).success).toBe(true);
    expect(mcpServersSettingSchema.safeParse({ v: 2, servers: [ok] }).success).toBe(false);
    expect(mcpServersSettingSchema.safeParse({ v: 1, servers: [ok, { ...ok, name: 'OK-NAME-1' }] }).success).toBe(false);
  });
});
