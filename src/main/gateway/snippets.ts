/**
 * Ready-to-use client configuration for a freshly issued token, one per client, each in
 * the form that client reads. Every snippet but the .mcpb bundle embeds the token: they
 * are returned once (pair / rotate) and never stored. The bundle asks for the token at
 * install instead (mcpb-bundle.ts).
 */
import type { ConfigSnippets } from '../../shared/contracts/gateway';
import type { BridgeLaunch } from './bridge-launch';
import { mcpbBundle } from './mcpb-bundle';

export interface SnippetTarget {
  /** e.g. http://127.0.0.1:47615/mcp */
  readonly url: string;
  /** How a stdio client starts the bridge: an absolute command. */
  readonly bridge: BridgeLaunch;
}

export const SERVER_KEY = 'latchkey';

/** POSIX shell single-quoting: safe for any string. */
function shq(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function configSnippets(target: SnippetTarget, token: string): ConfigSnippets {
  const headers = { Authorization: `Bearer ${token}` };
  const stdio = { command: target.bridge.command, args: [...target.bridge.args], env: { ...target.bridge.env, LATCHKEY_AGENT_TOKEN: token } };
  const desktop = { mcpServers: { [SERVER_KEY]: stdio } };
  const cursorEntry = { url: target.url, headers };
  const vscodeEntry = { type: 'http', url: target.url, headers };
  const cursorDeeplink = `cursor://anysphere.cursor-deeplink/mcp/install?name=${SERVER_KEY}&config=${encodeURIComponent(Buffer.from(JSON.stringify(cursorEntry)).toString('base64'))}`;
  const generic = {
    mcpServers: {
      [SERVER_KEY]: { type: 'streamable-http', url: target.url, headers },
      [`${SERVER_KEY}-stdio`]: { type: 'stdio', ...stdio },
    },
  };
  return {
    claudeDesktop: JSON.stringify(desktop, null, 2),
    claudeDesktopBundle: mcpbBundle(target.bridge).toString('base64'),
    claudeCode: `claude mcp add --transport http ${SERVER_KEY} ${shq(target.url)} --header ${shq(`Authorization: Bearer ${token}`)}`,
    cursor: JSON.stringify({ mcpServers: { [SERVER_KEY]: cursorEntry } }, null, 2),
    cursorDeeplink,
    vscode: JSON.stringify({ servers: { [SERVER_KEY]: vscodeEntry } }, null, 2),
    vscodeAddMcp: `code --add-mcp ${shq(JSON.stringify({ name: SERVER_KEY, ...vscodeEntry }))}`,
    generic: JSON.stringify(generic, null, 2),
  };
}
