/**
 * An agent's bearer token and the config snippets that embed it, shown once after
 * pairing or rotation. Copying goes through the clipboard rule (cleared after 30 s);
 * the token is dropped from memory when the person closes this panel.
 */
import { useState } from 'react';
import type { AgentClient, ConfigSnippets } from '../../shared/contracts/gateway';
import { useClipboard } from './ClipboardProvider';

const SNIPPETS: { key: keyof ConfigSnippets; label: string; client: AgentClient }[] = [
  { key: 'claudeDesktop', label: 'Claude Desktop', client: 'claude_desktop' },
  { key: 'claudeCode', label: 'Claude Code', client: 'claude_code' },
  { key: 'cursor', label: 'Cursor', client: 'cursor' },
  { key: 'vscode', label: 'VS Code', client: 'vscode' },
];

interface Props {
  agentName: string;
  client: AgentClient;
  token: string;
  snippets: ConfigSnippets;
  onDone: () => void;
}

export function TokenOnce({ agentName, client, token, snippets, onDone }: Props) {
  const clipboard = useClipboard();
  const [tab, setTab] = useState<keyof ConfigSnippets>(SNIPPETS.find((s) => s.client === client)?.key ?? 'claudeDesktop');
  const [saved, setSaved] = useState(false);
  return (
    <section className="card wide token-once" aria-labelledby="token-title" data-testid="token-once">
      <h2 id="token-title">Connect {agentName}</h2>
      <p className="muted">This token is shown only now. Paste the configuration into the agent; Latchkey keeps only a hash of the token.</p>
      <div className="field">
        <span className="field-label">Token</span>
        <div className="field-value">
          <code className="revealed" data-testid="agent-token">
            {token}
          </code>
          <span className="field-actions">
            <button type="button" onClick={() => void clipboard.copySecret('Agent token', token)}>
              Copy
            </button>
          </span>
        </div>
      </div>
      <div className="tabs" role="tablist">
        {SNIPPETS.map((s) => (
          <button key={s.key} type="button" role="tab" aria-selected={tab === s.key} className={tab === s.key ? 'nav active' : 'nav'} onClick={() => setTab(s.key)}>
            {s.label}
          </button>
        ))}
      </div>
      <pre className="snippet" data-testid="agent-snippet">
        {snippets[tab]}
      </pre>
      <div className="row">
        <button type="button" onClick={() => void clipboard.copySecret('Configuration', snippets[tab])}>
          Copy configuration
        </button>
        <label className="check">
          <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} />I configured the agent
        </label>
        <button type="button" className="primary" disabled={!saved} onClick={onDone} data-testid="token-done">
          Done
        </button>
      </div>
    </section>
  );
}
