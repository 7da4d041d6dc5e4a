/** One agent's grant per API credential and per downstream MCP server: ask every time, this session, always, never. */
import { useCallback, useEffect, useState } from 'react';
import { GRANT_MODES, type Grant, type GrantMode, type ServerGrant } from '../../shared/contracts/gateway';
import type { ItemSummary } from '../../shared/items';
import { useEngine } from '../engine/context';
import { useMain } from '../main-services';
import { ErrorMessage } from './ErrorMessage';

const MODE_LABELS: Record<GrantMode, string> = { ask: 'Ask every time', session: 'Allow until lock', always: 'Always allow', never: 'Never' };

export function GrantsEditor({ agentId, disabled }: { agentId: string; disabled: boolean }) {
  const main = useMain();
  const engine = useEngine();
  const [grants, setGrants] = useState<Grant[]>([]);
  const [servers, setServers] = useState<ServerGrant[]>([]);
  const [names, setNames] = useState<Map<string, ItemSummary>>(new Map());
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    if (main === null) return;
    try {
      const [g, items, sg] = await Promise.all([
        main.gateway.call('grants.get', { agentId }),
        engine.call('items.list', { kind: 'api_credential' }),
        main.gateway.call('serverGrants.get', { agentId }),
      ]);
      setGrants(g.grants);
      setServers(sg.grants);
      setNames(new Map(items.items.map((i) => [i.id, i])));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [main, engine, agentId]);
  useEffect(() => {
    void load();
  }, [load]);

  const set = async (itemId: string, mode: GrantMode) => {
    if (main === null) return;
    try {
      await main.gateway.call('grants.set', { agentId, itemId, mode });
      await load();
    } catch (e) {
      setError(e);
    }
  };

  const setServer = async (server: string, mode: GrantMode) => {
    if (main === null) return;
    try {
      await main.gateway.call('serverGrants.set', { agentId, server, mode });
      await load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div>
      <h3>Credentials this agent may use</h3>
      <ErrorMessage error={error} />
      {grants.length === 0 && <p className="muted">No API credentials yet. Add one on the Items page.</p>}
      <table className="grid">
        <tbody>
          {grants.map((g) => (
            <tr key={g.itemId}>
              <td>
                {names.get(g.itemId)?.overview.title ?? g.itemId}
                {g.sessionApproved && <span className="badge">approved this session</span>}
              </td>
              <td>
                <select value={g.mode} disabled={disabled} aria-label="Grant" onChange={(e) => void set(g.itemId, e.target.value as GrantMode)}>
                  {GRANT_MODES.map((m) => (
                    <option key={m} value={m}>
                      {MODE_LABELS[m]}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {servers.length > 0 && (
        <>
          <h3>MCP servers this agent may use</h3>
          <p className="muted">Every tool of a server, with or without credentials. "Never" hides its tools from the agent.</p>
          <table className="grid">
            <tbody>
              {servers.map((g) => (
                <tr key={g.server}>
                  <td>
                    <code>{g.server}</code>
                    {g.sessionApproved && <span className="badge">approved this session</span>}
                  </td>
                  <td>
                    <select value={g.mode} disabled={disabled} aria-label={`Grant for server ${g.server}`} onChange={(e) => void setServer(g.server, e.target.value as GrantMode)}>
                      {GRANT_MODES.map((m) => (
                        <option key={m} value={m}>
                          {MODE_LABELS[m]}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
