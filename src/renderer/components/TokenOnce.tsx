/**
 * An agent's bearer token and the config snippets that embed it, shown once after
 * pairing or rotation. Copying goes through the clipboard rule (cleared after 30 s);
 * the token is dropped from memory when the person closes this panel.
 */
import { useState } from 'react';
import type { AgentClient, ConfigSnippets } from '../../shared/contracts/gateway';
import { useClipboard } from './ClipboardProvider';
import { saveFile } from '../save-file';

type TextSnippet = Exclude<keyof ConfigSnippets, 'claudeDesktopBundle'>;

/** One tab per client, each with the forms that client takes (a one-step form first). */
const TABS: { client: AgentClient; label: string; parts: { key: TextSnippet; label: string }[] }[] = [
  { client: 'claude_desktop', label: 'Claude Desktop', parts: [{ key: 'claudeDesktop', label: 'Or add to claude_desktop_config.json' }] },
  { client: 'claude_code', label: 'Claude Code', parts: [{ key: 'claudeCode', label: 'Run in a terminal' }] },
  {
    client: 'vscode',
    label: 'VS Code',
    parts: [
      { key: 'vscodeAddMcp', label: 'Run in a terminal' },
      { key: 'vscode', label: 'Or add to .vscode/mcp.json' },
    ],
  },
  {
    client: 'cursor',
    label: 'Cursor',
    parts: [
      { key: 'cursorDeeplink', label: 'Open this link to install in Cursor' },
      { key: 'cursor', label: 'Or add to ~/.cursor/mcp.json' },
    ],
  },
  { client: 'other', label: 'Other MCP client', parts: [{ key: 'generic', label: 'Streamable HTTP endpoint, or the stdio bridge' }] },
];

/** Saves the .mcpb bundle (base64 from main) as a file; opening it installs the extension in Claude Desktop. */
function downloadBundle(base64: string): void {
  saveFile(
    'Latchkey.mcpb',
    'application/zip',
    Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)),
  );
}

interface Props {
  agentName: string;
  client: AgentClient;
  token: string;
  snippets: ConfigSnippets;
  onDone: () => void;
}

export function TokenOnce({ agentName, client, token, snippets, onDone }: Props) {
  const clipboard = useClipboard();
  const [tab, setTab] = useState<AgentClient>(TABS.some((t) => t.client === client) ? client : 'other');
  const current = TABS.find((t) => t.client === tab) ?? TABS[0]!;
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
      <div className="tabs" role="tablist" style={{ flexWrap: 'wrap' }}>
        {TABS.map((t) => (
          <button key={t.client} type="button" role="tab" aria-selected={tab === t.client} className={tab === t.client ? 'nav active' : 'nav'} onClick={() => setTab(t.client)}>
            {t.label}
          </button>
        ))}
      </div>
      {tab === 'claude_desktop' && (
        <div className="row">
          <button type="button" className="primary" data-testid="agent-mcpb" onClick={() => downloadBundle(snippets.claudeDesktopBundle)}>
            Download Latchkey.mcpb
          </button>
          <span className="muted">Open it to install in Claude Desktop, then paste the token when it asks.</span>
        </div>
      )}
      {current.parts.map((part, i) => (
        <div key={part.key} className="field">
          <span className="field-label">{part.label}</span>
          <pre className="snippet" data-testid={i === 0 ? 'agent-snippet' : `agent-snippet-${part.key}`}>
            {snippets[part.key]}
          </pre>
          <button type="button" onClick={() => void clipboard.copySecret('Configuration', snippets[part.key])}>
            Copy
          </button>
        </div>
      ))}
      <div className="row">
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
