/**
 * `run_command` (off unless the person or policy turns it on): runs one executable,
 * without a shell. With a run proxy (the app always has one) the child's variables hold
 * placeholders and its HTTPS traffic goes through the per-run proxy, which swaps in the
 * real value only where the item's rules allow (src/main/proxy); without one (tests,
 * preview), or in env mode (`realEnv`, only where policy gateway.realEnvAllowed is
 * true), the real value is in its environment, like `op run`. The child gets a minimal
 * environment (not main's), a time limit, and an output cap. Its output
 * is collected whole (capped) and the finished result is scrubbed by the engine in one
 * call, so a secret the program prints, even split across writes, never reaches the agent.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ApprovalReceipt } from '../../../shared/contracts/approval-receipt';
import { auditNameTokenSchema } from '../../../shared/contracts/audit-event';
import { LatchkeyError } from '../../../shared/errors';
import { assertRealEnvAllowed } from '../../../core/policy';
import { authorizeUse, checkPolicy } from '../authorize';
import type { AuthenticatedAgent } from '../registry';
import type { RunProxyConfig } from '../../proxy/config';
import { startProxiedRun, type ProxiedRun, type RunSecret } from '../../proxy/run-env';
import { guardCanaryUse, refuseCanary } from './canary';
import type { CredentialRelease, ToolContext, ToolOutcome } from './context';
import { holdsSecret } from './echo-guard';
import { dlpBlockNote, dlpWarningNote, screenTexts } from './screen';

const ECHO_NOTE =
  'The program printed a credential it was given (in some form), so Latchkey withheld its output: only the exit status is returned. The next run with this credential needs the person to approve it again.';
import type { RunCommandArgs } from './schemas';

/** Variables passed through from main's environment (nothing that could hold a secret). */
const PASS_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TEMP', 'TMP', 'SystemRoot', 'ComSpec', 'PATHEXT'];

export async function runCommandTool(ctx: ToolContext, agent: AuthenticatedAgent, args: RunCommandArgs, signal?: AbortSignal): Promise<ToolOutcome> {
  checkPolicy(ctx, agent, 'run_command');
  // Asked for before any credential is touched: a refusal costs no prompt.
  if (args.realEnv === true) assertRealEnvAllowed(ctx.policy());
  const proxy = args.realEnv === true ? undefined : ctx.runProxy;
  const program = path.basename(args.command);
  // The record names the program (target.command) and its receipt binds that name: one that cannot be recorded is not run.
  if (!auditNameTokenSchema.safeParse(program).success) {
    throw new LatchkeyError('invalid_input', 'The program to run must have a file name of letters, digits, _ . + or - (at most 64 characters).');
  }
  const destination = `command: ${program}`.slice(0, 600);
  const env: Record<string, string> = {};
  for (const k of PASS_ENV) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  const source = { tool: 'run_command', destination, audit: { tool: 'run_command', command: program } } as const;
  // What each approval is for, and exactly what spawn is handed: one argv, one cwd.
  const argv: readonly string[] = [args.command, ...args.args];
  const envNamesOf = (credential: string) => args.credentials.filter((x) => x.credential === credential).map((x) => x.env);
  const sentFor = (credential: string) => ({ tool: 'run_command', command: program, argv, envNames: envNamesOf(credential), ...(args.cwd ? { cwd: args.cwd } : {}) }) as const;
  const approved: Array<{ release: CredentialRelease; receipt: ApprovalReceipt; touch: { uv: boolean } | null; credential: string }> = [];
  const released: Array<{ release: CredentialRelease; secret: string }> = [];
  const proxied: RunSecret[] = [];
  const bases = new Map<string, string>();
  for (const c of args.credentials) {
    const { overview, use, basis, guard, receipt, touch } = await guardCanaryUse(ctx.canary, agent, source, () =>
      authorizeUse(ctx, {
        agent,
        tool: 'run_command',
        credentialName: c.credential,
        destination,
        precheck: refuseCanary,
        sent: sentFor(c.credential),
        ...(signal ? { signal } : {}),
      }),
    );
    if (receipt === undefined) throw new LatchkeyError('internal', 'The approval carried no receipt; nothing was run.');
    const release: CredentialRelease = { label: 'run_command', itemId: overview.id, credentialName: overview.name, destination, basis, audit: { ...source.audit, ...guard } };
    approved.push({ release, receipt, touch, credential: c.credential });
    // The echo guard looks for the real value in the output in both modes: in proxy mode the
    // proxy turns it back into the placeholder, so finding it means it came some other way.
    released.push({ release, secret: use.secret });
    bases.set(overview.id, basis);
    if (proxy)
      proxied.push({
        env: c.env,
        itemId: overview.id,
        name: overview.name,
        secret: use.secret,
        rules: use.allowedOrigins,
        ...(overview.swapInBody === true ? { swapInBody: true } : {}),
      });
    else env[c.env] = use.secret;
  }
  const timeoutMs = Math.min(args.timeoutMs ?? ctx.limits.commandTimeoutMs, ctx.limits.commandTimeoutMs);
  // Proxy mode: the child gets placeholders; the per-run proxy swaps them where the item allows.
  const run = proxy ? await startAgentRunProxy(ctx, proxy, agent, program, proxied, bases) : null;
  if (run) Object.assign(env, run.env);
  let result: CommandResult;
  try {
    // Right before the spawn: each receipt is redeemed against the argv, variables and
    // directory spawn is handed, then signed into its release record (no record, no use).
    for (const a of approved) {
      const receipt = ctx.receipts.redeem(a.receipt, { ...sentFor(a.credential), itemId: a.release.itemId!, agent: agent.id }, a.touch);
      await ctx.recordRelease(agent, { ...a.release, receipt });
    }
    result = await runLimited(argv, args.cwd, env, timeoutMs, ctx.limits.maxCommandOutputBytes, signal);
  } finally {
    await run?.close();
  }
  // Drop our references to the secrets; the child's copy ends with it.
  for (const k of Object.keys(env)) Reflect.deleteProperty(env, k);
  const streams = [
    { text: result.stdout, truncated: result.stdoutTruncated },
    { text: result.stderr, truncated: result.stderrTruncated },
  ];
  // The echo guard, as for http_request: a program that prints a credential it was given
  // (in any form) has its output withheld, and the next run with it asks the person again.
  const echoes = released.filter((r) => holdsSecret(r.secret, streams));
  released.length = 0;
  if (echoes.length > 0) {
    for (const e of echoes) {
      await ctx.recordGuard(agent, e.release, 'echo_detected');
      if (e.release.itemId !== null) ctx.echoes.mark(e.release.itemId, destination);
    }
    return {
      text: JSON.stringify(
        { ...result, stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false, outputWithheld: true, echoDetected: true, note: ECHO_NOTE },
        null,
        2,
      ),
    };
  }
  // Both streams whole, in one call, before they are JSON-encoded (a program that prints
  // JSON holds a secret escaped once, a form the scrubber knows; encoding first would
  // escape it twice). Then canaries and DLP (screen.ts).
  const screened = await screenTexts(
    ctx,
    agent,
    source,
    streams.map((s) => s.text),
    streams.map((s) => s.truncated),
  );
  if (screened.blocked) {
    return {
      text: JSON.stringify(
        { ...result, stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false, outputWithheld: true, dlpBlocked: true, note: dlpBlockNote(screened.blocked) },
        null,
        2,
      ),
    };
  }
  const [stdout, stderr] = screened.texts;
  const warning = dlpWarningNote(screened.warnings);
  const text = JSON.stringify({ ...result, stdout: stdout!, stderr: stderr!, ...(warning !== null ? { dlpWarning: warning } : {}) }, null, 2);
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
        audit: { tool: 'run_command', command: program, origin: r.origin, method: r.method },
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

/** Spawns exactly `argv` (program first) in `cwd`: the receipts were redeemed against these. */
function runLimited(
  argv: readonly string[],
  cwd: string | undefined,
  env: Record<string, string>,
  timeoutMs: number,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<CommandResult> {
  const [command, ...rest] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(command, rest, { env, shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, ...(cwd ? { cwd } : {}) });
    } catch {
      reject(new LatchkeyError('invalid_input', `The command "${path.basename(command)}" could not be started.`));
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
      reject(new LatchkeyError('invalid_input', `The command "${path.basename(command)}" could not be started (${e.code ?? 'error'}).`));
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
