/**
 * `run_command` (off unless the person or policy turns it on): runs one executable,
 * without a shell, with named credentials in its environment — like `op run`. The child
 * gets a minimal environment (not main's), a time limit, and an output cap. Its output
 * is collected whole (capped) and the finished result is scrubbed by the engine in one
 * call, so a secret the program prints, even split across writes, never reaches the agent.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { LatchkeyError } from '../../../shared/errors';
import { authorizeUse, checkPolicy } from '../authorize';
import type { AuthenticatedAgent } from '../registry';
import { scrubTexts, type ToolContext, type ToolOutcome } from './context';
import type { RunProxyConfig } from '../../proxy/config';
import { startProxiedRun, type ProxiedRun, type RunSecret } from '../../proxy/run-env';
import type { RunCommandArgs } from './schemas';

/** Variables passed through from main's environment (nothing that could hold a secret). */
const PASS_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TEMP', 'TMP', 'SystemRoot', 'ComSpec', 'PATHEXT'];

export async function runCommandTool(ctx: ToolContext, agent: AuthenticatedAgent, args: RunCommandArgs, signal?: AbortSignal): Promise<ToolOutcome> {
  checkPolicy(ctx, agent, 'run_command');
  const program = path.basename(args.command);
  const destination = `command: ${program}`.slice(0, 600);
  const env: Record<string, string> = {};
  for (const k of PASS_ENV) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  const proxied: RunSecret[] = [];
  const bases = new Map<string, string>();
  for (const c of args.credentials) {
    const { overview, use, basis } = await authorizeUse(ctx, {
      agent,
      tool: 'run_command',
      credentialName: c.credential,
      destination,
      ...(signal ? { signal } : {}),
    });
    // No record, no use: each credential's signed record is written before it enters the environment.
    await ctx.recordRelease(agent, {
      label: 'run_command',
      itemId: overview.id,
      credentialName: overview.name,
      destination,
      basis,
      audit: { tool: 'run_command', command: program },
    });
    bases.set(overview.id, basis);
    if (ctx.runProxy) proxied.push({ env: c.env, itemId: overview.id, name: overview.name, secret: use.secret, rules: use.allowedOrigins });
    else env[c.env] = use.secret;
  }
  const timeoutMs = Math.min(args.timeoutMs ?? ctx.limits.commandTimeoutMs, ctx.limits.commandTimeoutMs);
  // Proxy mode: the child gets placeholders; the per-run proxy swaps them where the item allows.
  const run = ctx.runProxy ? await startAgentRunProxy(ctx, ctx.runProxy, agent, program, proxied, bases) : null;
  if (run) Object.assign(env, run.env);
  let result: CommandResult;
  try {
    result = await runLimited(args, env, timeoutMs, ctx.limits.maxCommandOutputBytes, signal);
  } finally {
    await run?.close();
  }
  // Drop our references to the secrets; the child's copy ends with it.
  for (const k of Object.keys(env)) Reflect.deleteProperty(env, k);
  // Both streams whole, in one call, before they are JSON-encoded (a program that prints
  // JSON holds a secret escaped once, a form the scrubber knows; encoding first would
  // escape it twice).
  const [stdout, stderr] = await scrubTexts(ctx, [result.stdout, result.stderr]);
  const text = JSON.stringify({ ...result, stdout: stdout!, stderr: stderr! }, null, 2);
  return { text };
}

/** Every swap is a signed use (no record, no use); every refusal a signed failure. */
async function startAgentRunProxy(
  ctx: ToolContext,
  cfg: RunProxyConfig,
  agent: AuthenticatedAgent,
  program: string,
  secrets: readonly RunSecret[],
  bases: ReadonlyMap<string, string>,
): Promise<ProxiedRun> {
  return startProxiedRun(secrets, {
    ca: await cfg.ca(),
    command: program,
    policy: ctx.policy,
    otherHosts: cfg.otherHosts ?? 'tunnel',
    ...(cfg.dial ? { dial: cfg.dial } : {}),
    ...(cfg.upstreamCa ? { upstreamCa: cfg.upstreamCa } : {}),
    ...(cfg.extraChildCa ? { extraChildCa: cfg.extraChildCa } : {}),
    resolver: ctx.resolver,
    record: async (r) => {
      if (r.itemId === undefined) return;
      const release = {
        label: 'run_command',
        itemId: r.itemId,
        credentialName: r.credentialName ?? null,
        destination: `${r.method} ${r.origin} · command: ${program}`.slice(0, 600),
        basis: bases.get(r.itemId) ?? 'approved_once',
        audit: { tool: 'run_command', command: program, origin: r.origin },
      } as const;
      if (r.action === 'proxy.swap') await ctx.recordRelease(agent, release);
      else await ctx.recordRefusal?.(agent, release, 'destination_refused');
    },
  });
}

interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
}

function runLimited(args: RunCommandArgs, env: Record<string, string>, timeoutMs: number, maxBytes: number, signal?: AbortSignal): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(args.command, args.args, { env, shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, ...(args.cwd ? { cwd: args.cwd } : {}) });
    } catch {
      reject(new LatchkeyError('invalid_input', `The command "${path.basename(args.command)}" could not be started.`));
      return;
    }
    const r: CommandResult = { exitCode: null, signal: null, timedOut: false, stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false };
    const sizes = { stdout: 0, stderr: 0 };
    const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
    const onData = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const room = maxBytes - sizes[which];
      if (room <= 0) {
        r[`${which}Truncated`] = true;
        return;
      }
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (chunk.length > room) r[`${which}Truncated`] = true;
      sizes[which] += part.length;
      r[which] += decoders[which].decode(part, { stream: true });
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));
    const timer = setTimeout(() => {
      r.timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const abort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new LatchkeyError('invalid_input', `The command "${path.basename(args.command)}" could not be started (${e.code ?? 'error'}).`));
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      r.stdout += decoders.stdout.decode();
      r.stderr += decoders.stderr.decode();
      r.exitCode = code;
      r.signal = sig;
      resolve(r);
    });
  });
}
