/**
 * The CLI's side of the terminal endpoint (src/main/gateway/terminal-protocol.ts): the
 * running app's local socket, found as `latchkey mcp` finds it (LATCHKEY_SOCKET, else
 * the default path). References are resolved there, under the person's approval,
 * policy and a signed record; in proxy mode the app runs the proxy, so this process
 * never holds the value nor the CA key.
 */
import net from 'node:net';
import type { z } from 'zod';
import { formatReference, type SecretReference } from '../../core/references';
import { LatchkeyError } from '../../shared/errors';
import type { EffectivePolicy } from '../../shared/policy';
import { HELLO_TIMEOUT_MS, defaultSocketPath, readLine, welcomeSchema } from '../../main/gateway/bridge-protocol';
import { RESULT_SCHEMAS, TERMINAL_MAX_LINE_BYTES, TERMINAL_PROTOCOL_VERSION, terminalResponseSchema } from '../../main/gateway/terminal-protocol';
import type { ReferenceResolver } from '../../main/proxy/resolver';
import type { RemoteRun } from './run-core';

type Op = keyof typeof RESULT_SCHEMAS;

export interface AppClient {
  readonly resolver: ReferenceResolver;
  startRun(command: string, env: ReadonlyArray<{ name: string; reference: SecretReference }>): Promise<RemoteRun>;
  ca(): Promise<string>;
  policy(): Promise<EffectivePolicy>;
  close(): void;
}

const NOT_RUNNING = (p: string) => `Latchkey is not running (nothing answers at ${p}). Start the Latchkey app and unlock it, then run the command again.`;

/** One request at a time, answered in order; each connection is one command's. */
export async function connectApp(socketPath: string = process.env.LATCHKEY_SOCKET ?? defaultSocketPath()): Promise<AppClient> {
  const socket = net.connect(socketPath);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
  } catch {
    socket.destroy();
    throw new LatchkeyError('unsupported', NOT_RUNNING(socketPath));
  }
  socket.on('error', () => undefined);
  socket.write(JSON.stringify({ latchkey: 'cli', version: TERMINAL_PROTOCOL_VERSION }) + '\n');
  let buf: Buffer;
  try {
    const reply = await readLine(socket, 64 * 1024, HELLO_TIMEOUT_MS);
    const w = welcomeSchema.parse(JSON.parse(reply.line));
    if (!w.ok) throw new LatchkeyError(w.error.code, w.error.message);
    buf = reply.rest;
  } catch (err) {
    socket.destroy();
    if (err instanceof LatchkeyError && err.code !== 'rpc_closed' && err.code !== 'timeout') throw err;
    throw new LatchkeyError('unsupported', 'The Latchkey app did not accept latchkey run / inject (update the app or this command so both are the same version).');
  }
  let nextId = 0;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: LatchkeyError): void }>();
  const failAll = (e: LatchkeyError): void => {
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  const ingest = (chunk: Buffer): void => {
    buf = Buffer.concat([buf, chunk]);
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a)) {
      const line = buf.subarray(0, nl).toString('utf8');
      buf = buf.subarray(nl + 1);
      let r;
      try {
        r = terminalResponseSchema.parse(JSON.parse(line));
      } catch {
        failAll(new LatchkeyError('rpc_malformed', 'The Latchkey app sent something this command does not understand (same version?).'));
        socket.destroy();
        return;
      }
      if (r.id === null) {
        if (!r.ok) failAll(new LatchkeyError(r.error.code, r.error.message));
        continue;
      }
      const w = waiting.get(r.id);
      waiting.delete(r.id);
      if (!w) continue;
      if (r.ok) w.resolve(r.result);
      else w.reject(new LatchkeyError(r.error.code, r.error.message));
    }
    if (buf.length > TERMINAL_MAX_LINE_BYTES) socket.destroy();
  };
  socket.on('data', ingest);
  socket.on('close', () => failAll(new LatchkeyError('rpc_closed', 'The Latchkey app closed the connection (it quit or locked?).')));
  socket.resume();
  if (buf.length > 0) ingest(Buffer.alloc(0));

  const request = <O extends Op>(op: O, params: Record<string, unknown> = {}): Promise<z.infer<(typeof RESULT_SCHEMAS)[O]>> =>
    new Promise((resolve, reject) => {
      if (socket.destroyed) return reject(new LatchkeyError('rpc_closed', 'The Latchkey app closed the connection.'));
      const id = nextId++;
      waiting.set(id, {
        resolve: (v) => {
          const parsed = RESULT_SCHEMAS[op].safeParse(v);
          if (parsed.success) resolve(parsed.data as z.infer<(typeof RESULT_SCHEMAS)[O]>);
          else reject(new LatchkeyError('rpc_malformed', 'The Latchkey app answered in a form this command does not understand (same version?).'));
        },
        reject,
      });
      socket.write(JSON.stringify({ id, op, ...params }) + '\n');
    });

  return {
    resolver: {
      resolve: async (ref, purpose) => request('resolve', { reference: formatReference(ref), purpose }),
    },
    async startRun(command, env) {
      const r = await request('run.start', { command, env: env.map((e) => ({ name: e.name, reference: formatReference(e.reference) })) });
      return {
        env: r.env,
        unset: r.unset,
        close: async () => {
          await request('run.end').catch(() => undefined);
        },
      };
    },
    ca: async () => (await request('ca')).certPem,
    policy: () => request('policy'),
    close: () => socket.end(),
  };
}
