/**
 * Settings → Connected MCP servers: the downstream servers the gateway runs for agents
 * (docs/gateway.md §11), stored in the vault (they sync with it). A credential is
 * chosen from the vault's API credentials; the config keeps its item id, never a value.
 */
import { useCallback, useEffect, useState, type SubmitEvent } from 'react';
import type { ItemSummary } from '../../shared/items';
import { mcpServerConfigSchema, type McpServerConfig } from '../../shared/mcp-servers';
import { ErrorMessage } from '../components/ErrorMessage';
import { useAction } from '../components/useAction';
import { useEngine } from '../engine/context';

interface CredentialRow {
  itemId: string;
  /** stdio: the environment variable; HTTP: the header (empty = the credential's own rule). */
  target: string;
}

interface Draft {
  name: string;
  type: 'stdio' | 'http';
  command: string;
  /** One argument per line (arguments may hold spaces). */
  args: string;
  url: string;
  credentials: CredentialRow[];
}

const EMPTY: Draft = { name: '', type: 'stdio', command: '', args: '', url: '', credentials: [] };

function toDraft(s: McpServerConfig): Draft {
  return {
    name: s.name,
    type: s.transport.type,
    command: s.transport.type === 'stdio' ? s.transport.command : '',
    args: s.transport.type === 'stdio' ? s.transport.args.join('\n') : '',
    url: s.transport.type === 'http' ? s.transport.url : '',
    credentials: s.credentials.map((c) => ({ itemId: c.itemId, target: c.env ?? c.header ?? '' })),
  };
}

function fromDraft(d: Draft): McpServerConfig | string {
  const parsed = mcpServerConfigSchema.safeParse({
    name: d.name.trim(),
    transport:
      d.type === 'stdio'
        ? {
            type: 'stdio',
            command: d.command.trim(),
            args: d.args
              .split('\n')
              .map((a) => a.trim())
              .filter((a) => a !== ''),
          }
        : { type: 'http', url: d.url.trim() },
    credentials: d.credentials.map((c) =>
      d.type === 'stdio' ? { itemId: c.itemId, env: c.target.trim() } : { itemId: c.itemId, ...(c.target.trim() === '' ? {} : { header: c.target.trim() }) },
    ),
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path[0] === 'name' ? 'Name' : issue?.path[0] === 'transport' ? (d.type === 'stdio' ? 'Command' : 'URL') : 'Credentials';
  return `${where}: ${issue?.message ?? 'not valid'}.`;
}

export function McpServersSettings() {
  const engine = useEngine();
  const [servers, setServers] = useState<McpServerConfig[] | null>(null);
  const [credentials, setCredentials] = useState<ItemSummary[]>([]);
  /** null: no form open; otherwise the server being edited (undefined = a new one). */
  const [editing, setEditing] = useState<{ replaces: string | undefined; draft: Draft } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();

  const load = useCallback(async () => {
    const [s, items] = await Promise.all([engine.call('mcpServers.list', {}), engine.call('items.list', { kind: 'api_credential' })]);
    setServers(s.servers);
    setCredentials(items.items);
  }, [engine]);
  useEffect(() => {
    void action.run(load);
  }, [load]);

  const title = (id: string) => credentials.find((c) => c.id === id)?.overview.title ?? 'a deleted credential';
  const set = (patch: Partial<Draft>) => setEditing((e) => (e === null ? e : { ...e, draft: { ...e.draft, ...patch } }));

  const submit = (ev: SubmitEvent) => {
    ev.preventDefault();
    if (editing === null) return;
    const server = fromDraft(editing.draft);
    if (typeof server === 'string') {
      setProblem(server);
      return;
    }
    setProblem(null);
    void action.run(async () => {
      const r = await engine.call('mcpServers.save', { server, ...(editing.replaces === undefined ? {} : { replaces: editing.replaces }) });
      setServers(r.servers);
      setEditing(null);
    });
  };

  const d = editing?.draft;
  return (
    <section className="card wide" aria-labelledby="mcp-servers-title" data-testid="mcp-servers">
      <h2 id="mcp-servers-title">Connected MCP servers</h2>
      <p className="muted">
        Agents see these servers' tools through Latchkey, each with its own grant on the Agents page. They are stored in your vault and sync with it; they run only while the vault
        is unlocked.
      </p>
      {servers !== null && servers.length === 0 && <p className="muted">No servers connected yet.</p>}
      {servers !== null && servers.length > 0 && (
        <table className="grid">
          <tbody>
            {servers.map((s) => (
              <tr key={s.name} data-testid={`mcp-server-${s.name}`}>
                <td>
                  <code>{s.name}</code>
                </td>
                <td className="muted">{s.transport.type === 'stdio' ? [s.transport.command, ...s.transport.args].join(' ') : s.transport.url}</td>
                <td className="muted">{s.credentials.map((c) => `${title(c.itemId)} → ${c.env ?? c.header ?? 'its own rule'}`).join(', ')}</td>
                <td>
                  <button type="button" disabled={action.busy} onClick={() => setEditing({ replaces: s.name, draft: toDraft(s) })}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="danger"
                    disabled={action.busy}
                    onClick={() => void action.run(async () => setServers((await engine.call('mcpServers.remove', { name: s.name })).servers))}
                    aria-label={`Remove server ${s.name}`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {d === undefined ? (
        <button type="button" onClick={() => setEditing({ replaces: undefined, draft: EMPTY })} data-testid="mcp-server-add">
          Add a server
        </button>
      ) : (
        <form onSubmit={submit} aria-label={editing?.replaces === undefined ? 'New MCP server' : `Edit server ${editing.replaces}`}>
          <label>
            Name (letters, digits and dashes; agents see tools as name__tool)
            <input value={d.name} onChange={(e) => set({ name: e.target.value })} data-testid="mcp-server-name" />
          </label>
          <label>
            How Latchkey reaches it
            <select value={d.type} onChange={(e) => set({ type: e.target.value === 'http' ? 'http' : 'stdio' })} data-testid="mcp-server-type">
              <option value="stdio">Start a command (stdio)</option>
              <option value="http">Connect to a URL (streamable HTTP)</option>
            </select>
          </label>
          {d.type === 'stdio' ? (
            <>
              <label>
                Command
                <input value={d.command} onChange={(e) => set({ command: e.target.value })} placeholder="npx" data-testid="mcp-server-command" />
              </label>
              <label>
                Arguments, one per line
                <textarea value={d.args} onChange={(e) => set({ args: e.target.value })} rows={3} data-testid="mcp-server-args" />
              </label>
            </>
          ) : (
            <label>
              URL
              <input value={d.url} onChange={(e) => set({ url: e.target.value })} placeholder="https://mcp.example.com/mcp" data-testid="mcp-server-url" />
            </label>
          )}
          <fieldset>
            <legend>Credentials it gets</legend>
            {d.credentials.map((c, i) => (
              <div className="row" key={i}>
                <select
                  value={c.itemId}
                  aria-label="Credential"
                  onChange={(e) => set({ credentials: d.credentials.map((x, j) => (j === i ? { ...x, itemId: e.target.value } : x)) })}
                >
                  {credentials.map((it) => (
                    <option key={it.id} value={it.id}>
                      {it.overview.title}
                    </option>
                  ))}
                </select>
                <input
                  value={c.target}
                  aria-label={d.type === 'stdio' ? 'Environment variable' : 'Header (empty: the credential’s own rule)'}
                  placeholder={d.type === 'stdio' ? 'API_TOKEN' : 'Authorization (empty: its own rule)'}
                  onChange={(e) => set({ credentials: d.credentials.map((x, j) => (j === i ? { ...x, target: e.target.value } : x)) })}
                />
                <button type="button" onClick={() => set({ credentials: d.credentials.filter((_, j) => j !== i) })}>
                  Remove
                </button>
              </div>
            ))}
            {credentials.length === 0 ? (
              <p className="muted">No API credentials yet. Add one on the Items page to give it to a server.</p>
            ) : (
              <button type="button" onClick={() => set({ credentials: [...d.credentials, { itemId: credentials[0]!.id, target: '' }] })}>
                Add a credential
              </button>
            )}
          </fieldset>
          {problem !== null && (
            <p className="error" role="alert">
              {problem}
            </p>
          )}
          <div className="row">
            <button type="submit" disabled={action.busy} data-testid="mcp-server-save">
              Save
            </button>
            <button
              type="button"
              onClick={() => {
                setEditing(null);
                setProblem(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorMessage error={action.error} />
    </section>
  );
}
