/**
 * The local socket between `latchkey mcp` (the stdio bridge) and the running app.
 * Unix: a socket file in a 0700 directory owned by the user, itself mode 0600, so only
 * the same OS user can connect. Windows: a named pipe, `\\.\pipe\latchkey-gateway-<user>`
 * (default pipe ACLs grant the creating user, SYSTEM and administrators; documented in
 * docs/gateway.md). The agent's token is still required on top.
 *
 * Wire format, version 1 — UTF-8, one JSON value per line ("\n"):
 *   bridge -> app: {"latchkey":"bridge","version":1,"token":"lkat_…"}
 *   app -> bridge: {"ok":true}  |  {"ok":false,"error":{"code":…,"message":…}} then close
 *   then MCP JSON-RPC messages, one per line, both ways (the MCP stdio framing).
 */
import { lstat, chmod, mkdir } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { LatchkeyError, serializedErrorSchema } from '../../shared/errors';

export const BRIDGE_PROTOCOL_VERSION = 1;
export const HELLO_MAX_BYTES = 1024;
export const HELLO_TIMEOUT_MS = 5_000;

export const helloSchema = z.strictObject({ latchkey: z.literal('bridge'), version: z.literal(BRIDGE_PROTOCOL_VERSION), token: z.string().max(200) });
export const welcomeSchema = z.union([z.strictObject({ ok: z.literal(true) }), z.strictObject({ ok: z.literal(false), error: serializedErrorSchema })]);

export function defaultSocketPath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'win32') {
    const user = (env.USERNAME ?? os.userInfo().username).replace(/[^A-Za-z0-9_.-]/g, '_');
    return `\\\\.\\pipe\\latchkey-gateway-${user}`;
  }
  const runtime = env.XDG_RUNTIME_DIR;
  const dir = runtime ? path.join(runtime, 'latchkey') : path.join(os.tmpdir(), `latchkey-${process.getuid?.() ?? 'user'}`);
  return path.join(dir, 'gateway.sock');
}

/**
 * Creates (or checks) the socket's directory: a real directory, not a symlink, owned
 * by us, no access for group or others. Refuses to use anything else — another user
 * could otherwise pre-create it and swap the socket.
 */
export async function prepareSocketDir(socketPath: string): Promise<void> {
  if (process.platform === 'win32') return;
  const dir = path.dirname(socketPath);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || st.isSymbolicLink() || (uid !== undefined && st.uid !== uid)) {
    throw new LatchkeyError('forbidden', `The gateway socket directory ${dir} is not a directory owned by you; remove it and restart Latchkey.`);
  }
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

/** Reads one "\n"-terminated line (at most `max` bytes) and returns it with any bytes that followed. */
export function readLine(socket: net.Socket, max: number, timeoutMs: number): Promise<{ line: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, value?: { line: string; rest: Buffer }): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      if (err) reject(err);
      else resolve(value!);
    };
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const nl = buf.indexOf(0x0a);
      if (nl >= 0) {
        socket.pause();
        done(null, { line: buf.subarray(0, nl).toString('utf8'), rest: buf.subarray(nl + 1) });
      } else if (buf.length > max) done(new LatchkeyError('invalid_input', 'Handshake line too long.'));
    };
    const onClose = (): void => done(new LatchkeyError('rpc_closed', 'The Latchkey socket closed during the handshake.'));
    const timer = setTimeout(() => done(new LatchkeyError('timeout', 'The Latchkey socket handshake timed out.')), timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onClose);
  });
}
