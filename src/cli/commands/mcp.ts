/**
 * `latchkey mcp` — a stdio MCP server for clients that only spawn commands (Claude
 * Desktop). It relays every MCP message between stdin/stdout and the running Latchkey
 * app over the user-only local socket, after authenticating with the agent's token.
 *
 * stdout carries MCP protocol and nothing else; diagnostics go to stderr. The token
 * comes from LATCHKEY_AGENT_TOKEN (preferred: not visible in `ps`) or --token.
 *
 * Exit codes: 0 the client closed stdin; 1 the app refused or went away; 2 usage.
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { BRIDGE_PROTOCOL_VERSION, HELLO_TIMEOUT_MS, defaultSocketPath, readLine, welcomeSchema } from '../../main/gateway/bridge-protocol';

export const summary = 'stdio MCP bridge to the running Latchkey app (for Claude Desktop and other stdio-only clients)';

const USAGE = ['usage: latchkey mcp [--socket PATH] [--token TOKEN]', '  token: LATCHKEY_AGENT_TOKEN (preferred) or --token; socket: LATCHKEY_SOCKET or the default path'].join(
  '\n',
);

function err(line: string): void {
  process.stderr.write(`latchkey mcp: ${line}\n`);
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { socket: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean' } }, strict: true }));
  } catch {
    err(USAGE);
    return 2;
  }
  if (values.help) {
    err(USAGE);
    return 0;
  }
  const token = values.token ?? process.env.LATCHKEY_AGENT_TOKEN ?? '';
  if (token === '') {
    err('no agent token: set LATCHKEY_AGENT_TOKEN to the token Latchkey showed when you paired this agent.');
    return 2;
  }
  const socketPath = values.socket ?? process.env.LATCHKEY_SOCKET ?? defaultSocketPath();

  const socket = net.connect(socketPath);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
  } catch {
    err(`cannot reach Latchkey at ${socketPath}: is the app running and unlocked for agents?`);
    return 1;
  }
  socket.write(JSON.stringify({ latchkey: 'bridge', version: BRIDGE_PROTOCOL_VERSION, token }) + '\n');
  let rest: Buffer;
  try {
    const reply = await readLine(socket, 64 * 1024, HELLO_TIMEOUT_MS);
    const parsed = welcomeSchema.safeParse(JSON.parse(reply.line));
    if (!parsed.success) throw new Error('bad reply');
    if (!parsed.data.ok) {
      err(`Latchkey refused this agent: ${parsed.data.error.message}`);
      socket.destroy();
      return 1;
    }
    rest = reply.rest;
  } catch {
    err('Latchkey did not complete the handshake (is `latchkey mcp` the same version as the app?).');
    socket.destroy();
    return 1;
  }

  // stdin -> app: parsed by the SDK's stdio transport (so garbage never reaches the app).
  const stdio = new StdioServerTransport();
  // app -> stdout: re-framed message by message (never raw bytes from the socket).
  const fromApp = new ReadBuffer();
  return new Promise<number>((resolve) => {
    let finished = false;
    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      socket.destroy();
      void stdio.close();
      resolve(code);
    };
    stdio.onmessage = (m) => {
      socket.write(serializeMessage(m));
    };
    stdio.onerror = () => err('ignored a malformed message from the client');
    stdio.onclose = () => finish(0);
    process.stdin.on('end', () => finish(0));
    const ingest = (chunk: Buffer): void => {
      try {
        fromApp.append(chunk);
        for (let m = fromApp.readMessage(); m !== null; m = fromApp.readMessage()) void stdio.send(m);
      } catch {
        err('malformed message from Latchkey; closing');
        finish(1);
      }
    };
    socket.on('data', ingest);
    socket.on('close', () => {
      err('Latchkey closed the connection');
      finish(1);
    });
    socket.on('error', () => undefined);
    void stdio.start().then(() => {
      if (rest.length > 0) ingest(rest);
      socket.resume();
    });
  });
}
