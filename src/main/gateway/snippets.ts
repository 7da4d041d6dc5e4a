/**
 * Ready-to-paste client configuration for a freshly issued token. The snippets embed
 * the token: they are returned once (pair / rotate) and never stored.
 */
import type { ConfigSnippets } from '../../shared/contracts/gateway';

export interface SnippetTarget {
  /** e.g. http://127.0.0.1:47615/mcp */
  readonly url: string;
  /** The stdio bridge command, e.g. ['latchkey', 'mcp']. */
  readonly bridgeCommand: readonly string[];
}

export function configSnippets(target: SnippetTarget, token: string): ConfigSnippets {
  const auth = { Authorization: `Bearer ${token}` };
  const [command, ...args] = target.bridgeCommand;
  const desktop = { mcpServers: { latchkey: { command, args, env: { LATCHKEY_AGENT_TOKEN: token } } } };
  const cursor = { mcpServers: { latchkey: { url: target.url, headers: auth } } };
  const vscode = { servers: { latchkey: { type: 'http', url: target.url, headers: auth } } };
  return {
    claudeDesktop: JSON.stringify(desktop, null, 2),
    claudeCode: `claude mcp add --transport http latchkey ${target.url} --header "Authorization: Bearer ${token}"`,
    cursor: JSON.stringify(cursor, null, 2),
    vscode: JSON.stringify(vscode, null, 2),
  };
}
