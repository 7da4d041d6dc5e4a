/**
 * A real `latchkey server start` child process (node + tsx, not npx, so SIGKILL hits
 * the process that holds the database), for tests that need two processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../../..');

export type Storage = { dataDir: string } | { databaseUrl: string };

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
}

export function spawnServer(storage: Storage, extraArgs: string[] = [], children?: ChildProcess[]): Promise<ServerProcess> {
  const args = ['--import', 'tsx', 'src/cli/index.ts', 'server', 'start', '--port', '0', '--checkpoint-seconds', '0', ...extraArgs];
  if ('dataDir' in storage) args.push('--data-dir', storage.dataDir);
  const env = { ...process.env };
  if ('databaseUrl' in storage) env.DATABASE_URL = storage.databaseUrl;
  else delete env.DATABASE_URL;
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children?.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      // The whole line: a pipe may hand over `listening http://127.0.0.1:4` before the rest of the port.
      const m = /^listening (http:\/\/\S+)\n/m.exec(out);
      if (m) resolve({ url: m[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${err}`)));
  });
}

export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/** Output of one in-process CLI run. */
export function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}
