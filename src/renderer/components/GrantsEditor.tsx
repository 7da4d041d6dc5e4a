/** One agent's grant per API credential and per downstream MCP server: ask every time, this session, always, never. */
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { GRANT_MODES, type Grant, type GrantMode, type ServerGrant } from '../../shared/contracts/gateway';
import type { ItemSummary } from '../../shared/items';
import { useEngine } from '../engine/context';
import { useMain } from '../main-services';
import { BudgetEditor } from './BudgetEditor';
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
  // The gateway says so when its servers change (added or removed in Settings, unlock, lock).
  useEffect(() => main?.gateway.on('agents-changed', () => void load()), [main, load]);

  // Both tables write through here: one RPC, then a reload of everything shown.
  const update = async (write: (m: NonNullable<typeof main>) => Promise<unknown>) => {
    if (main === null) return;
    try {
      await write(main);
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
      <GrantTable
        rows={grants.map((g) => ({
          key: g.itemId,
          label: names.get(g.itemId)?.overview.title ?? g.itemId,
          mode: g.mode,
          sessionApproved: g.sessionApproved,
          selectLabel: 'Grant',
        }))}
        disabled={disabled}
        onChange={(itemId, mode) => void update((m) => m.gateway.call('grants.set', { agentId, itemId, mode }))}
      />
      <BudgetEditor agentId={agentId} disabled={disabled} names={new Map([...names].map(([id, i]) => [id, i.overview.title]))} />
      {servers.length > 0 && (
        <>
          <h3>MCP servers this agent may use</h3>
          <p className="muted">Every tool of a server, with or without credentials. "Never" hides its tools from the agent.</p>
          <GrantTable
            rows={servers.map((g) => ({
              key: g.server,
              label: <code>{g.server}</code>,
              mode: g.mode,
              sessionApproved: g.sessionApproved,
              selectLabel: `Grant for server ${g.server}`,
            }))}
            disabled={disabled}
            onChange={(server, mode) => void update((m) => m.gateway.call('serverGrants.set', { agentId, server, mode }))}
          />
        </>
      )}
    </div>
  );
}

interface GrantRow {
  /** The item id or server name the grant is for. */
  readonly key: string;
  readonly label: ReactNode;
  readonly mode: GrantMode;
  readonly sessionApproved: boolean;
  /** The select's accessible name. */
  readonly selectLabel: string;
}

/** One table of grants (credentials or servers): a name, the "approved this session" badge, the mode. */
function GrantTable({ rows, disabled, onChange }: { rows: readonly GrantRow[]; disabled: boolean; onChange: (key: string, mode: GrantMode) => void }) {
  return (
    <table className="grid">
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <td>
              {r.label}
              {r.sessionApproved && <span className="badge">approved this session</span>}
            </td>
            <td>
              <select value={r.mode} disabled={disabled} aria-label={r.selectLabel} onChange={(e) => onChange(r.key, e.target.value as GrantMode)}>
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
  );
}
