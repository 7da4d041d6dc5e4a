/** The app side of the stdio bridge's local socket (protocol: bridge-protocol.ts). */
import { chmod, unlink } from 'node:fs/promises';
import net from 'node:net';
import { LatchkeyError, toSerializedError } from '../../shared/errors';
import { HELLO_MAX_BYTES, HELLO_TIMEOUT_MS, helloSchema, prepareSocketDir, readLine } from './bridge-protocol';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { LineSocketTransport } from './line-transport';
import { createAgentMcpServer, type AgentServerDeps } from './mcp-server';
import type { Registry } from './registry';
import { serveTerminal, type TerminalDeps } from './terminal';
import { terminalHelloSchema } from './terminal-protocol';

export interface SocketListener {
  readonly path: string;
  close(): Promise<void>;
}

async function inUse(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socketPath);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** `terminal`: also serve `latchkey run` / `inject` (a hello of {"latchkey":"cli"}, terminal-protocol.ts). */
export async function listenSocket(deps: AgentServerDeps, registry: Registry, socketPath: string, terminal?: TerminalDeps): Promise<SocketListener> {
  await prepareSocketDir(socketPath);
  if (process.platform !== 'win32') {
    if (await inUse(socketPath)) throw new LatchkeyError('conflict', 'Another Latchkey is already serving the agent socket.');
    await unlink(socketPath).catch(() => undefined);
  }
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    void handle(deps, registry, socket, terminal);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  if (process.platform !== 'win32') await chmod(socketPath, 0o600);
  return {
    path: socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function handle(deps: AgentServerDeps, registry: Registry, socket: net.Socket, terminal?: TerminalDeps): Promise<void> {
  socket.on('error', () => undefined);
  let rest: Buffer;
  let agent;
  try {
    const hello = await readLine(socket, HELLO_MAX_BYTES, HELLO_TIMEOUT_MS);
    rest = hello.rest;
    let raw: unknown = null;
    try {
      raw = JSON.parse(hello.line);
    } catch {
      raw = null;
    }
    if (terminalHelloSchema.safeParse(raw).success) {
      if (!terminal) throw new LatchkeyError('unsupported', 'This Latchkey does not serve latchkey run / inject on this socket.');
      socket.write(JSON.stringify({ ok: true }) + '\n');
      serveTerminal(terminal, socket, rest);
      return;
    }
    const parsed = helloSchema.safeParse(raw);
    if (!parsed.success) throw new LatchkeyError('invalid_input', 'This is not a Latchkey bridge handshake (is `latchkey mcp` the same version as the app?).');
    agent = registry.authenticate(parsed.data.token);
    if (!agent) throw new LatchkeyError('unauthorized', 'The agent token is missing, wrong or revoked. Pair the agent in Latchkey and set LATCHKEY_AGENT_TOKEN.');
  } catch (err) {
    socket.end(JSON.stringify({ ok: false, error: toSerializedError(err) }) + '\n');
    return;
  }
  socket.write(JSON.stringify({ ok: true }) + '\n');
  const bound = agent;
  // The SDK's stdio entry picks the era from the opening message (server/discover with an
  // envelope, or initialize) and pins one instance for this connection.
  serveStdio((ctx) => createAgentMcpServer(deps, bound, ctx.era), { transport: new LineSocketTransport(socket, rest) });
}
