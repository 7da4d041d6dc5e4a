/**
 * Paired agents: pair a new one (token shown once, with config snippets), revoke,
 * rotate the token, set its grant per credential, let an agent a canary trip stopped
 * work again, and remove a revoked one. Talks to main's gateway
 * (GatewayUiContract); no credential value ever appears here.
 */
import { useCallback, useEffect, useState, type SubmitEvent } from 'react';
import { AGENT_CLIENTS, type AgentClient, type AgentSummary, type ConfigSnippets } from '../../shared/contracts/gateway';
import { ErrorMessage } from '../components/ErrorMessage';
import { GrantsEditor } from '../components/GrantsEditor';
import { TokenOnce } from '../components/TokenOnce';
import { useAction } from '../components/useAction';
import { useMain, type MainClients } from '../main-services';

export const CLIENT_LABELS: Record<AgentClient, string> = {
  claude_desktop: 'Claude Desktop',
  claude_code: 'Claude Code',
  cursor: 'Cursor',
  vscode: 'VS Code',
  other: 'Other MCP client',
};

interface Issued {
  agent: AgentSummary;
  token: string;
  snippets: ConfigSnippets;
}

function when(t: number | null): string {
  return t === null ? 'never' : new Date(t).toLocaleString();
}

function PairForm({ main, onIssued }: { main: MainClients; onIssued: (i: Issued) => void }) {
  const [name, setName] = useState('');
  const [client, setClient] = useState<AgentClient>('claude_desktop');
  const action = useAction();
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const r = await main.gateway.call('agents.pair', { name, client });
      setName('');
      onIssued(r);
    });
  };
  return (
    <form className="card wide" onSubmit={submit} aria-labelledby="pair-title">
      <h2 id="pair-title">Pair an agent</h2>
      <div className="row">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Claude on my laptop" data-testid="pair-name" />
        </label>
        <label>
          Client
          <select value={client} onChange={(e) => setClient(e.target.value as AgentClient)} data-testid="pair-client">
            {AGENT_CLIENTS.map((c) => (
              <option key={c} value={c}>
                {CLIENT_LABELS[c]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorMessage error={action.error} />
      <button type="submit" className="primary" disabled={action.busy || name.trim() === ''} data-testid="pair-submit">
        Pair
      </button>
    </form>
  );
}

function AgentCard({ main, agent, onIssued, onChanged }: { main: MainClients; agent: AgentSummary; onIssued: (i: Issued) => void; onChanged: () => void }) {
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  const action = useAction();
  return (
    <section className={agent.revoked ? 'card wide revoked' : 'card wide'} data-testid="agent-card" aria-label={agent.name}>
      <header className="detail-head">
        <div>
          <h2>{agent.name}</h2>
          <span className="badge">{CLIENT_LABELS[agent.client]}</span>
          {agent.revoked && <span className="tag">revoked</span>}
          {!agent.revoked && agent.stoppedAt !== null && <span className="tag warning">stopped</span>}
          <p className="muted small">
            Paired {when(agent.createdAt)} · token issued {when(agent.tokenIssuedAt)} · last use {when(agent.lastUsedAt)}
          </p>
        </div>
        {!agent.revoked && (
          <div className="row">
            <button type="button" disabled={action.busy} onClick={() => void action.run(async () => onIssued(await main.gateway.call('agents.rotate', { agentId: agent.id })))}>
              New token
            </button>
            {confirmRevoke ? (
              <button
                type="button"
                className="danger"
                disabled={action.busy}
                onClick={() =>
                  void action.run(async () => {
                    await main.gateway.call('agents.revoke', { agentId: agent.id });
                    onChanged();
                  })
                }
              >
                Revoke for good
              </button>
            ) : (
              <button type="button" className="danger-link" onClick={() => setConfirmRevoke(true)}>
                Revoke
              </button>
            )}
          </div>
        )}
      </header>
      {!agent.revoked && agent.stoppedAt !== null && (
        <div className="row" role="alert">
          <p className="warning">Latchkey stopped this agent on {when(agent.stoppedAt)} after it touched a canary credential; it can call no tool until you let it work again.</p>
          <button
            type="button"
            disabled={action.busy}
            data-testid="agent-restore"
            onClick={() =>
              void action.run(async () => {
                await main.gateway.call('agents.restore', { agentId: agent.id });
                onChanged();
              })
            }
          >
            Let it work again
          </button>
        </div>
      )}
      {agent.revoked && (
        <div className="row">
          <p className="muted small">Its activity stays in the log under this name.</p>
          <button
            type="button"
            className="danger-link"
            disabled={action.busy}
            data-testid="agent-remove"
            onClick={() =>
              void action.run(async () => {
                await main.gateway.call('agents.remove', { agentId: agent.id });
                onChanged();
              })
            }
          >
            Remove from this list
          </button>
        </div>
      )}
      <ErrorMessage error={action.error} />
      {!agent.revoked && <GrantsEditor agentId={agent.id} disabled={agent.revoked} />}
    </section>
  );
}

export function AgentsView() {
  const main = useMain();
  const [agents, setAgents] = useState<AgentSummary[]>([]);
  const [issued, setIssued] = useState<Issued | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    if (main === null) return;
    try {
      setAgents((await main.gateway.call('agents.list', {})).agents);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [main]);
  useEffect(() => {
    void load();
    return main?.gateway.on('agents-changed', () => void load());
  }, [main, load]);

  if (main === null)
    return (
      <div className="settings">
        <p className="muted">The agent gateway runs in the Latchkey app; it could not be reached.</p>
      </div>
    );
  return (
    <div className="settings">
      {issued !== null ? (
        <TokenOnce
          agentName={issued.agent.name}
          client={issued.agent.client}
          token={issued.token}
          snippets={issued.snippets}
          onDone={() => {
            setIssued(null);
            void load();
          }}
        />
      ) : (
        <PairForm
          main={main}
          onIssued={(i) => {
            setIssued(i);
            void load();
          }}
        />
      )}
      <ErrorMessage error={error} />
      {agents.length === 0 && error === null && <p className="muted">No agents paired yet.</p>}
      {agents.map((a) => (
        <AgentCard
          key={a.id}
          main={main}
          agent={a}
          onIssued={(i) => {
            setIssued(i);
            void load();
          }}
          onChanged={() => void load()}
        />
      ))}
    </div>
  );
}
