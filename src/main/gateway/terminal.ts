/**
 * The app side of the terminal endpoint (terminal-protocol.ts): `latchkey run` and
 * `latchkey inject` resolve references here, as the caller "Terminal". Any process of
 * the same OS user can reach the socket, so every resolution is decided as a use:
 * policy, the engine's resolution of the reference over its own vault, items and fields
 * ('references.resolve', every kind), a prompt naming the command or file and the item,
 * answered for this use only; then the signed record, and only then the engine releases
 * the value ('references.release'). In proxy mode (`run.start`) the
 * value never leaves main: the run's proxy runs here, with the per-device CA's key, and
 * the CLI gets placeholders, the proxy URL with its credential and the CA bundle path.
 */
import path from 'node:path';
import type net from 'node:net';
import { touchRequiredMessage, touchRequirement } from '../../core/policy';
import { parseReference, type SecretReference } from '../../core/references';
import type { AuditReason } from '../../shared/contracts/audit-event';
import type { ReferenceResolution } from '../../shared/contracts/engine';
import { LatchkeyError, isLatchkeyError, toSerializedError } from '../../shared/errors';
import type { RunProxyConfig } from '../proxy/config';
import { startProxiedRun, type ProxiedRun, type RunSecret } from '../proxy/run-env';
import type { ActivityInput } from './activity';
import { approvalReason } from './activity';
import { checkPolicy } from './authorize';
import { TERMINAL_MAX_LINE_BYTES, terminalRequestSchema, type TerminalRequest } from './terminal-protocol';
import type { ToolContext } from './tools/context';

/** The caller every terminal use is decided and recorded as (not a paired agent). */
export const TERMINAL_CALLER = { id: 'terminal-session', name: 'Terminal' } as const;

export interface TerminalDeps {
  readonly ctx: ToolContext;
  readonly record: (input: ActivityInput) => Promise<void>;
  readonly runProxy?: RunProxyConfig;
}

interface Resolved {
  readonly itemId: string;
  readonly name: string;
  /** The engine's id of the field (`password`, `custom:<id>` …): one placeholder per item and field. */
  readonly field: string;
  readonly value: string;
  /** Where the run proxy may put it (an API credential's rules, a login's web origins). */
  readonly rules: readonly string[];
  readonly swapInBody: boolean;
  readonly basis: string;
}

type Kind = 'run' | 'inject';
/** `value`: the value itself leaves main (inject, --real-env); `proxy`: only a placeholder does. */
type Use = 'value' | 'proxy';

const LOCKED = 'Latchkey is locked. Unlock Latchkey, then run the command again.';

const KIND_WORDS: Record<ReferenceResolution['kind'], string> = {
  login: 'a login',
  api_credential: 'an API credential',
  ssh_key: 'an SSH key',
  secure_note: 'a secure note',
};

function facts(kind: Kind, target: string) {
  return { tool: kind === 'run' ? ('latchkey_run' as const) : ('latchkey_inject' as const), command: target };
}

function label(kind: Kind): string {
  return kind === 'run' ? 'latchkey run' : 'latchkey inject';
}

function destinationOf(kind: Kind, target: string): string {
  return (kind === 'run' ? `command: ${target}` : `file: ${target}`).slice(0, 600);
}

function lockedOr(err: unknown): unknown {
  return isLatchkeyError(err, 'vault_locked') ? new LatchkeyError('vault_locked', LOCKED) : err;
}

/**
 * One reference for one use by the person: resolved in the engine (any kind; the vault
 * part must name the open vault), then — cheapest refusals first — proxy mode needs a
 * destination, a canary is refused, the person is asked (every time), the signed record
 * is written, and only then does the engine release the field.
 */
export async function resolveForTerminal(deps: TerminalDeps, ref: SecretReference, kind: Kind, target: string, signal?: AbortSignal, use: Use = 'value'): Promise<Resolved> {
  const { ctx } = deps;
  const destination = destinationOf(kind, target);
  const fail = async (itemId: string | null, credentialName: string | null, reason: AuditReason): Promise<void> => {
    await deps.record({
      agentId: null,
      agentName: TERMINAL_CALLER.name,
      tool: label(kind),
      itemId,
      credentialName,
      destination,
      outcome: 'failure',
      reason,
      audit: facts(kind, target),
    });
  };
  const source = ctx.credentials;
  if (!source.resolveReference || !source.releaseField) throw new LatchkeyError('unsupported', 'This Latchkey cannot resolve references.');
  try {
    checkPolicy(ctx, TERMINAL_CALLER, label(kind), true);
  } catch (err) {
    await fail(null, null, (isLatchkeyError(err) ? err.code : 'internal') as AuditReason).catch(() => undefined);
    throw err;
  }
  let r: ReferenceResolution;
  try {
    r = await source.resolveReference(ref);
  } catch (err) {
    if (!isLatchkeyError(err, 'vault_locked')) throw err;
    // The signed log is the vault's: while it is locked the refusal may not be recordable.
    await fail(null, null, 'vault_locked').catch(() => undefined);
    throw lockedOr(err);
  }
  if (r.canary) {
    // A canary is never released, to the person's terminal either; its use is signed.
    await fail(r.itemId, r.title, 'canary_tripped').catch(() => undefined);
    throw new LatchkeyError('forbidden', `${r.title} is a canary credential: Latchkey never releases it.`);
  }
  if (touchRequirement(ctx.policy(), r.tags) !== null) {
    // A touch signs one request the gateway sends itself; a terminal's use has none to sign.
    await fail(r.itemId, r.title, 'touch_required').catch(() => undefined);
    throw new LatchkeyError('touch_required', touchRequiredMessage(r.title, 'terminal'));
  }
  if (use === 'proxy' && r.destinations.length === 0) {
    await fail(r.itemId, r.title, 'destination_refused').catch(() => undefined);
    throw new LatchkeyError(
      'destination_refused',
      `${r.title} is ${KIND_WORDS[r.kind]} with no web address it may be sent to, so latchkey run cannot stand in a placeholder for it. Use latchkey run --real-env (the command gets the value itself) or latchkey inject.`,
    );
  }
  try {
    const answer = await ctx.approvals.ask(
      { agentId: TERMINAL_CALLER.id, agentName: TERMINAL_CALLER.name, itemId: r.itemId, credentialName: r.title, server: null, tool: label(kind), destination },
      signal,
    );
    if (answer === 'deny') throw new LatchkeyError('approval_denied', `You declined ${r.title} for ${destination} in Latchkey; nothing was resolved.`);
  } catch (err) {
    const code = isLatchkeyError(err) ? err.code : 'internal';
    await fail(r.itemId, r.title, code as AuditReason).catch(() => undefined);
    throw err;
  }
  // Any process of the same user can reach the socket: an answer counts for this one use.
  const basis = 'approved_once';
  // No record, no use: the signed record is written before the value goes anywhere.
  await deps.record({
    agentId: null,
    agentName: TERMINAL_CALLER.name,
    tool: label(kind),
    itemId: r.itemId,
    credentialName: r.title,
    destination,
    outcome: 'success',
    reason: approvalReason(basis),
    audit: facts(kind, target),
  });
  let value: string;
  try {
    value = (await source.releaseField(r.itemId, r.field, `${kind}:${target}`.slice(0, 300))).value;
  } catch (err) {
    throw lockedOr(err);
  }
  return { itemId: r.itemId, name: r.title, field: r.field, value, rules: r.destinations, swapInBody: r.swapInBody, basis };
}

function parseRef(text: string): SecretReference {
  return parseReference(text);
}

async function startRun(deps: TerminalDeps, req: Extract<TerminalRequest, { op: 'run.start' }>, signal: AbortSignal): Promise<ProxiedRun> {
  const cfg = deps.runProxy;
  if (!cfg) throw new LatchkeyError('unsupported', 'This Latchkey has no run proxy; use latchkey run --real-env.');
  const program = path.basename(req.command);
  const refs = req.env.map((e) => ({ name: e.name, ref: parseRef(e.reference) }));
  const secrets: RunSecret[] = [];
  const bases = new Map<string, string>();
  for (const e of refs) {
    const r = await resolveForTerminal(deps, e.ref, 'run', program, signal, 'proxy');
    secrets.push({ env: e.name, itemId: r.itemId, field: r.field, name: r.name, secret: r.value, rules: r.rules, swapInBody: r.swapInBody });
    bases.set(r.itemId, r.basis);
  }
  return startProxiedRun(secrets, {
    ca: await cfg.ca(),
    command: program,
    policy: deps.ctx.policy,
    otherHosts: cfg.otherHosts ?? 'tunnel',
    ...(cfg.dial ? { dial: cfg.dial } : {}),
    ...(cfg.upstreamCa ? { upstreamCa: cfg.upstreamCa } : {}),
    ...(cfg.extraChildCa ? { extraChildCa: cfg.extraChildCa } : {}),
    resolver: deps.ctx.resolver,
    record: async (r) => {
      if (r.itemId === undefined) return;
      const swapped = r.action === 'proxy.swap';
      await deps.record({
        agentId: null,
        agentName: TERMINAL_CALLER.name,
        tool: 'latchkey run',
        itemId: r.itemId,
        credentialName: r.credentialName ?? null,
        destination: `${r.method} ${r.origin} · command: ${program}`.slice(0, 600),
        outcome: swapped ? 'success' : 'failure',
        reason: swapped ? approvalReason(bases.get(r.itemId) ?? 'approved_once') : 'destination_refused',
        audit: { ...facts('run', program), origin: r.origin },
      });
    },
  });
}

/** Serves one terminal connection after its hello; `rest` holds bytes that came with it. */
export function serveTerminal(deps: TerminalDeps, socket: net.Socket, rest: Buffer): void {
  const abort = new AbortController();
  let run: ProxiedRun | null = null;
  let buf = rest;
  let queue = Promise.resolve();
  const send = (v: unknown): void => {
    if (!socket.destroyed) socket.write(JSON.stringify(v) + '\n');
  };
  const handle = async (line: string): Promise<void> => {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      send({ id: null, ok: false, error: { code: 'invalid_input', message: 'That message is not JSON (is latchkey the same version as the app?).' } });
      return;
    }
    const parsed = terminalRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const id = typeof (raw as { id?: unknown } | null)?.id === 'number' ? (raw as { id: number }).id : null;
      send({ id, ok: false, error: { code: 'invalid_input', message: 'That is not a request Latchkey understands (is latchkey the same version as the app?).' } });
      return;
    }
    const req = parsed.data;
    try {
      send({ id: req.id, ok: true, result: await perform(req) });
    } catch (err) {
      send({ id: req.id, ok: false, error: toSerializedError(err) });
    }
  };
  const perform = async (req: TerminalRequest): Promise<unknown> => {
    switch (req.op) {
      case 'resolve': {
        const [kind, ...restOf] = req.purpose.split(':');
        const r = await resolveForTerminal(deps, parseRef(req.reference), kind as Kind, path.basename(restOf.join(':')), abort.signal);
        return { itemId: r.itemId, name: r.name, value: r.value, rules: [...r.rules] };
      }
      case 'run.start': {
        if (run) throw new LatchkeyError('conflict', 'A run is already going on this connection.');
        run = await startRun(deps, req, abort.signal);
        return { env: run.env, unset: [...run.unset] };
      }
      case 'run.end': {
        const r = run;
        run = null;
        await r?.close();
        return { ok: true };
      }
      case 'ca': {
        if (!deps.runProxy) throw new LatchkeyError('unsupported', 'This Latchkey has no run proxy.');
        return { certPem: (await deps.runProxy.ca()).certPem };
      }
      case 'policy':
        return deps.ctx.policy();
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a)) {
      const line = buf.subarray(0, nl).toString('utf8');
      buf = buf.subarray(nl + 1);
      if (line.trim() === '') continue;
      queue = queue.then(() => handle(line));
    }
    if (buf.length > TERMINAL_MAX_LINE_BYTES) {
      buf = Buffer.alloc(0);
      send({ id: null, ok: false, error: { code: 'invalid_input', message: `A message over ${TERMINAL_MAX_LINE_BYTES} bytes was refused; the connection is closed.` } });
      socket.end();
      socket.pause();
    }
  });
  // The CLI gone (its command ended, or it was killed): the run's proxy and any pending prompt end with it.
  socket.on('close', () => {
    abort.abort();
    void queue.then(() => run?.close());
  });
  socket.on('error', () => undefined);
  socket.resume();
  if (buf.length > 0) socket.emit('data', Buffer.alloc(0));
}
