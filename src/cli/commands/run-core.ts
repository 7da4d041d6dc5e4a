/**
 * `latchkey run` without its process wiring, so tests drive it with a resolver double:
 * argument parsing, reference resolution, proxy mode (default) or env mode
 * (`--real-env`, output masked by the scrubber), and the child's exit status.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnvArg, parseEnvFile, type SecretReference } from '../../core/references';
import { Scrubber } from '../../core/scrub/scrubber';
import type { EffectivePolicy } from '../../shared/policy';
import { LatchkeyError } from '../../shared/errors';
import type { DeviceCa } from '../../main/proxy/ca';
import type { ProxyOptions } from '../../main/proxy/proxy';
import type { ReferenceResolver } from '../../main/proxy/resolver';
import { startProxiedRun } from '../../main/proxy/run-env';
import { UsageError } from '../args';

export const RUN_USAGE = [
  'usage: latchkey run [--env NAME=latchkey://vault/item/field]… [--env-file FILE] [--real-env] -- command [args…]',
  '  proxy mode (default): NAME holds a placeholder; the per-run proxy puts the real value only into requests its item allows',
  '  --real-env: NAME holds the real value; the command output is masked',
].join('\n');

export interface RunArgs {
  readonly env: ReadonlyArray<{ name: string; reference: SecretReference }>;
  readonly plain: Readonly<Record<string, string>>;
  readonly realEnv: boolean;
  readonly command: string;
  readonly args: readonly string[];
}

export async function parseRunArgs(argv: readonly string[]): Promise<RunArgs> {
  const dash = argv.indexOf('--');
  if (dash < 0 || dash === argv.length - 1) throw new UsageError('the command goes after "--"');
  const opts = argv.slice(0, dash);
  const env: Array<{ name: string; reference: SecretReference }> = [];
  const plain: Record<string, string> = {};
  let realEnv = false;
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]!;
    if (o === '--real-env') realEnv = true;
    else if (o === '--env' || o === '--env-file') {
      const v = opts[++i];
      if (v === undefined) throw new UsageError(`${o} needs a value`);
      if (o === '--env') env.push(parseEnvArg(v));
      else {
        let text: string;
        try {
          text = await readFile(v, 'utf8');
        } catch {
          throw new LatchkeyError('invalid_input', `The environment file ${v} cannot be read.`);
        }
        for (const line of parseEnvFile(text)) {
          if (line.reference) env.push({ name: line.name, reference: line.reference });
          else plain[line.name] = line.value;
        }
      }
    } else throw new UsageError(`unknown option ${o}`);
  }
  if (env.length === 0) throw new UsageError('name at least one secret with --env or --env-file');
  return { env, plain, realEnv, command: argv[dash + 1]!, args: argv.slice(dash + 2) };
}

/** Proxy mode run by the app (terminal.ts): the CLI never holds the value nor the CA key. */
export interface RemoteRun {
  readonly env: Readonly<Record<string, string>>;
  readonly unset: readonly string[];
  close(): Promise<void>;
}

export interface RunDeps {
  readonly resolver: ReferenceResolver;
  /** Set (the running app): proxy mode is started there, and ca/policy/record are not used. */
  readonly startRun?: (command: string, env: ReadonlyArray<{ name: string; reference: SecretReference }>) => Promise<RemoteRun>;
  /** In-process proxy mode (tests): this process runs the proxy. */
  readonly ca?: () => Promise<DeviceCa>;
  readonly policy?: () => EffectivePolicy;
  readonly record?: ProxyOptions['record'];
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Tests only. */
  readonly proxy?: Pick<ProxyOptions, 'dial' | 'upstreamCa'> & { extraChildCa?: readonly string[] };
}

/** Runs the command; resolves to its exit code (128 + signal number style: 1 when killed). */
export async function runWithReferences(deps: RunDeps, a: RunArgs): Promise<number> {
  const program = path.basename(a.command);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(deps.baseEnv)) if (v !== undefined) env[k] = v;
  Object.assign(env, a.plain);
  if (!a.realEnv && deps.startRun) {
    const remote = await deps.startRun(program, a.env);
    for (const k of remote.unset) Reflect.deleteProperty(env, k);
    Object.assign(env, remote.env);
    try {
      return await spawnChild(a, env, (s, out) => s.pipe(out, { end: false }), deps);
    } finally {
      await remote.close();
    }
  }
  const resolved = [];
  for (const e of a.env) resolved.push({ env: e.name, ...(await deps.resolver.resolve(e.reference, `run:${program}`)) });
  if (a.realEnv) {
    for (const r of resolved) env[r.env] = r.value;
    const scrubber = new Scrubber(resolved.map((r) => r.value));
    return spawnChild(
      a,
      env,
      (s, out) => {
        const stream = scrubber.stream();
        s.setEncoding('utf8');
        s.on('data', (d: string) => out.write(stream.push(d)));
        s.on('end', () => out.write(stream.end()));
      },
      deps,
    );
  }
  if (!deps.ca || !deps.policy || !deps.record) throw new LatchkeyError('unsupported', 'Proxy mode needs the running Latchkey app; use --real-env.');
  const run = await startProxiedRun(
    resolved.map((r) => ({ env: r.env, itemId: r.itemId, name: r.name, secret: r.value, rules: r.rules })),
    { ca: await deps.ca(), command: program, policy: deps.policy, record: deps.record, otherHosts: 'tunnel', ...deps.proxy },
  );
  for (const k of run.unset) Reflect.deleteProperty(env, k);
  Object.assign(env, run.env);
  try {
    return await spawnChild(a, env, (s, out) => s.pipe(out, { end: false }), deps);
  } finally {
    await run.close();
  }
}

function spawnChild(
  a: RunArgs,
  env: Record<string, string>,
  wire: (s: NodeJS.ReadableStream & { setEncoding(e: BufferEncoding): unknown }, out: NodeJS.WritableStream) => void,
  deps: RunDeps,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(a.command, [...a.args], { env, shell: false, stdio: ['inherit', 'pipe', 'pipe'] });
    wire(child.stdout, deps.stdout);
    wire(child.stderr, deps.stderr);
    child.on('error', () => reject(new LatchkeyError('invalid_input', `The command "${path.basename(a.command)}" could not be started.`)));
    child.on('close', (code) => resolve(code ?? 1));
  });
}
