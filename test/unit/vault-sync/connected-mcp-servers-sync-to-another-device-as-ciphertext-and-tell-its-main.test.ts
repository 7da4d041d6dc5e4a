/**
 * Connected MCP servers sync with the vault: two REAL engines through a REAL org server
 * (PGlite). A server added on A reaches B at its next sync and B's engine tells its main
 * (`mcpServersChanged`); a removal on B reaches A. The org server holds only ciphertext:
 * neither the server's name, its command nor its URL.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/server/db/db';
import type { RunningServer } from '../../../src/server/server';
import type { McpServerConfig } from '../../../src/shared/mcp-servers';
import { PASSWORD, apiDraft } from '../core/helpers';
import { newTenant, openTestDatabase, startTestServer } from '../server/helpers';
import { vaultDevice, type VaultDevice } from './devices';

let db: Database;
let server: RunningServer;
const open: VaultDevice[] = [];
beforeAll(async () => {
  db = (await openTestDatabase()).db;
  server = await startTestServer(db);
});
afterAll(async () => {
  for (const d of open) d.close();
  await server?.close();
  await db?.close();
});

describe('connected MCP servers across devices', () => {
  it('an add on A reaches B (and B tells main), a remove on B reaches A; the server sees only ciphertext', async () => {
    const t = await newTenant(db);
    const a = await vaultDevice(server, t.orgId, t.userId);
    open.push(a);
    await a.engine.createVault(PASSWORD);
    const api = await a.engine.createItem(apiDraft('Deploy API'));
    await a.vaultSync.sync();
    const b = await vaultDevice(server, t.orgId, t.userId);
    open.push(b);
    await b.vaultSync.sync();
    await b.engine.unlockWithPassword(PASSWORD);
    expect(b.engine.listMcpServers()).toEqual([]);
    let told = 0;
    b.engine.subscribe((e) => {
      if (e.type === 'mcpServersChanged') told++;
    });

    const s: McpServerConfig = {
      name: 'synced-server-zq',
      transport: { type: 'http', url: 'https://mcp-zq.example.com/mcp' },
      credentials: [{ itemId: api.id, header: 'X-Api-Key' }],
    };
    await a.engine.saveMcpServer({ ...s, transport: { type: 'stdio', command: 'run-zq-server', args: ['--zq'] }, credentials: [{ itemId: api.id, env: 'ZQ_TOKEN' }] });
    await a.engine.saveMcpServer(s, 'synced-server-zq');
    await a.vaultSync.sync();
    await b.vaultSync.sync();
    expect(b.engine.listMcpServers()).toEqual([s]);
    expect(told).toBe(1);

    await b.engine.removeMcpServer('synced-server-zq');
    await b.vaultSync.sync();
    await a.vaultSync.sync();
    expect(a.engine.listMcpServers()).toEqual([]);

    const rows = await db.asOwner((sql) => sql.query<{ ciphertext: string }>('SELECT ciphertext FROM sync_records WHERE org_id = $1', [t.orgId]));
    const text = rows.map((r) => Buffer.from(r.ciphertext, 'base64url').toString('latin1')).join('\n');
    for (const clear of ['synced-server-zq', 'mcp-zq.example.com', 'run-zq-server', 'ZQ_TOKEN']) expect(text).not.toContain(clear);
  }, 120_000);
});
