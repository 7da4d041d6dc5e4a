/**
 * A Claude Desktop extension (`.mcpb`, MCPB manifest 0.3: a ZIP with manifest.json at
 * its root) that starts Latchkey's stdio bridge. The bundle holds NO token: the
 * manifest declares a sensitive `agent_token` user setting, which Claude Desktop asks
 * for at install (the person pastes the token shown once) and keeps in the OS keychain;
 * it reaches the bridge as LATCHKEY_AGENT_TOKEN.
 *
 * Server type "node": Claude Desktop runs server/index.mjs with its own Node, and that
 * launcher starts the absolute bridge command (bridge-launch.ts) with stdio passed
 * through. So the bundle works the same for an installed app and for a checkout.
 */
import type { BridgeLaunch } from './bridge-launch';
import { SERVER_INFO } from './mcp-server';
import { writeZip } from './zip-writer';

export const MCPB_LAUNCHER_PATH = 'server/index.mjs';

export function mcpbManifest(launch: BridgeLaunch): Record<string, unknown> {
  return {
    manifest_version: '0.3',
    name: 'latchkey',
    display_name: 'Latchkey',
    version: SERVER_INFO.version,
    description: 'Use your API credentials from Latchkey without the agent ever seeing them.',
    long_description:
      'Connects Claude to the Latchkey app on this computer. Latchkey adds the credential to each request the agent makes, asks you before a credential is used, and redacts secrets from the responses. Latchkey must be running.',
    author: { name: 'Latchkey' },
    server: {
      type: 'node',
      entry_point: MCPB_LAUNCHER_PATH,
      mcp_config: {
        command: 'node',
        args: [`\${__dirname}/${MCPB_LAUNCHER_PATH}`],
        env: { LATCHKEY_AGENT_TOKEN: '${user_config.agent_token}' },
      },
    },
    tools: [
      { name: 'list_credentials', description: 'The credentials this agent may use: name, kind, allowed destinations. Never a value.' },
      { name: 'http_request', description: 'An HTTP request with a named credential added by Latchkey; secrets in the response are redacted.' },
    ],
    tools_generated: true,
    user_config: {
      agent_token: {
        type: 'string',
        title: 'Agent token',
        description: 'The token Latchkey showed when you paired this agent (Agents page).',
        sensitive: true,
        required: true,
      },
    },
    compatibility: { platforms: ['darwin', 'win32', 'linux'], runtimes: { node: '>=20.0.0' } },
    _meta: { 'dev.latchkey/bridge': { command: launch.command, args: [...launch.args] } },
  };
}

/** The launcher: starts the bridge by absolute path, stdio passed through, and exits as it exits. */
export function mcpbLauncher(launch: BridgeLaunch): string {
  return [
    "import { spawn } from 'node:child_process';",
    `const command = ${JSON.stringify(launch.command)};`,
    `const args = ${JSON.stringify(launch.args)};`,
    `const env = { ...process.env, ...${JSON.stringify(launch.env)} };`,
    "const child = spawn(command, args, { stdio: 'inherit', env, windowsHide: true });",
    "child.on('error', (e) => { process.stderr.write(`latchkey: cannot start ${command}: ${e.message}\\n`); process.exit(1); });",
    "child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));",
    "for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));",
    '',
  ].join('\n');
}

export function mcpbBundle(launch: BridgeLaunch): Buffer {
  return writeZip([
    { name: 'manifest.json', data: Buffer.from(JSON.stringify(mcpbManifest(launch), null, 2) + '\n') },
    { name: MCPB_LAUNCHER_PATH, data: Buffer.from(mcpbLauncher(launch)), mode: 0o755 },
  ]);
}
