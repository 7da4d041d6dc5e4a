/**
 * Connected MCP servers (src/shared/mcp-servers.ts), kept in the encrypted settings
 * record. Every change checks that each credential names an API credential of this
 * vault (not in the trash): a server config that points at nothing would only fail
 * later, at an agent's call, where the person cannot fix it. Each change is signed into
 * the audit log (mcp_server.add / .update / .remove, docs/audit-format.md §1.1): which
 * programs and addresses get the vault's credentials is as much the person's decision
 * as a grant, so the log must show when it changed. The record names the server only.
 */
import { LatchkeyError } from '../../shared/errors';
import { MCP_SERVERS_FORMAT, MAX_MCP_SERVERS, mcpServersSettingSchema, type McpServerConfig } from '../../shared/mcp-servers';
import type { EngineSettings } from '../../shared/contracts/engine';
import type { EngineCore } from './core';

/** Writes the settings and tells listeners; given by the engine (one writer of the settings record). */
export type SettingsWriter = (next: EngineSettings) => Promise<EngineSettings>;

export function listMcpServers(core: EngineCore): McpServerConfig[] {
  return structuredClone([...(core.session().settings.mcpServers?.servers ?? [])]);
}

export async function saveMcpServer(core: EngineCore, write: SettingsWriter, server: McpServerConfig, replaces?: string): Promise<McpServerConfig[]> {
  const s = core.session();
  for (const c of server.credentials) {
    const e = s.get(c.itemId);
    if (!e || e.overview.kind !== 'api_credential' || e.overview.trashedAt !== undefined) {
      throw new LatchkeyError('invalid_input', `A credential chosen for "${server.name}" is not an API credential in this vault (it may have been deleted). Choose another.`, {
        itemId: c.itemId,
      });
    }
  }
  const current = listMcpServers(core);
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  const at = replaces === undefined ? -1 : current.findIndex((x) => x.name === replaces);
  if (replaces !== undefined && at < 0) throw new LatchkeyError('not_found', `No connected MCP server is named "${replaces}".`);
  if (current.some((x, i) => i !== at && same(x.name, server.name))) {
    throw new LatchkeyError('conflict', `A connected MCP server is already named "${server.name}". Choose another name.`);
  }
  if (at < 0 && current.length >= MAX_MCP_SERVERS) throw new LatchkeyError('invalid_input', `At most ${MAX_MCP_SERVERS} MCP servers can be connected.`);
  const servers = at < 0 ? [...current, server] : current.map((x, i) => (i === at ? server : x));
  const saved = await commit(core, write, servers);
  await core.audit({ action: at < 0 ? 'mcp_server.add' : 'mcp_server.update', actor: { type: 'person' }, target: { server: server.name }, outcome: 'success' });
  return saved;
}

export async function removeMcpServer(core: EngineCore, write: SettingsWriter, name: string): Promise<McpServerConfig[]> {
  const current = listMcpServers(core);
  if (!current.some((x) => x.name === name)) throw new LatchkeyError('not_found', `No connected MCP server is named "${name}".`);
  const saved = await commit(
    core,
    write,
    current.filter((x) => x.name !== name),
  );
  await core.audit({ action: 'mcp_server.remove', actor: { type: 'person' }, target: { server: name }, outcome: 'success' });
  return saved;
}

async function commit(core: EngineCore, write: SettingsWriter, servers: McpServerConfig[]): Promise<McpServerConfig[]> {
  const parsed = mcpServersSettingSchema.safeParse({ v: MCP_SERVERS_FORMAT, servers });
  if (!parsed.success) throw new LatchkeyError('invalid_input', parsed.error.issues[0]?.message ?? 'This MCP server configuration is not valid.');
  const next = await write({ ...core.session().settings, mcpServers: parsed.data });
  return structuredClone([...(next.mcpServers?.servers ?? [])]);
}
