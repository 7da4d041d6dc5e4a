/**
 * The agent gateway, composed: registry (agents, grants), approvals, rate limits,
 * activity/audit, and the two ways in (HTTP on 127.0.0.1 and
 * the stdio bridge's local socket). `createGateway(deps)` builds it; `start()` listens;
 * `uiHandlers` serve GatewayUiContract; `subscribe` feeds its events to the UI.
 */
import type { AuditReason } from '../../shared/contracts/audit-event';
import { assertAgentAllowed, assertApprovalModeAllowed, assertToolAllowed } from '../../core/policy';
import type { EventIn, EventName } from '../../shared/rpc/contract';
import type { RpcHandlers } from '../../shared/rpc/rpc';
import { GatewayUiContract, type GatewayStatus } from '../../shared/contracts/gateway';
import { LatchkeyError, isLatchkeyError } from '../../shared/errors';
import { createEgressPool } from '../egress/pool';
import { systemResolver, type Resolver } from '../egress/request';
import { ActivityLog, approvalReason } from './activity';
import { ApprovalQueue, approvalWatcher } from './approvals';
import { cacheCredentials } from './credential-cache';
import { defaultBridgeLaunch, type BridgeLaunch } from './bridge-launch';
import { defaultSocketPath } from './bridge-protocol';
import { callTool, type DispatchDeps, type ToolResult } from './dispatch';
import { downstreamServerSchema, type DownstreamServerConfig } from './downstream/config';
import { DownstreamManager } from './downstream/manager';
import { followVaultServers } from './downstream/vault-servers';
import { DEFAULT_GATEWAY_PORT, MCP_PATH, createGatewayHttpApp, listenHttp, type HttpListener } from './http-server';
import type { AuditSink, CredentialSource, GatewayStore, Notifier, PolicySource } from './ports';
import { RateLimiter, type RateLimitOptions } from './rate-limit';
import { ReceiptBook } from './receipts';
import type { ApprovalAuthenticator } from './approval-touch';
import type { ApprovalKey } from '../../shared/contracts/approval-receipt';
import { Registry, serverKey, type AuthenticatedAgent } from './registry';
import { listenSocket, type SocketListener } from './socket-server';
import { TaskStore } from './tasks';
import type { TerminalDeps } from './terminal';
import { configSnippets } from './snippets';
import type { RunProxyConfig } from '../proxy/config';
import { DEFAULT_LIMITS, type GatewayLimits, type ToolContext } from './tools/context';
import { EchoLedger } from './tools/echo-guard';
import { CanaryAlarm, type CanaryTrip } from './tools/canary';
import { createGuardWiring } from './guard-wiring';

export interface GatewayOptions {
  /** HTTP port on 127.0.0.1; default {@link DEFAULT_GATEWAY_PORT}; 0 picks a free one (tests). */
  readonly port?: number;
  /** Bridge socket path; default defaultSocketPath(); null = no socket. */
  readonly socketPath?: string | null;
  /** Unanswered approval prompts are refused after this long. Default 120 s. */
  readonly approvalTimeoutMs?: number;
  /** How long a call waits for the person to unlock a locked vault; 0 = fail at once. Default 60 s. */
  readonly unlockWaitMs?: number;
  readonly rateLimit?: RateLimitOptions;
  readonly limits?: Partial<GatewayLimits>;
  /** DNS resolver for egress checks (tests pass a fixed table). */
  readonly resolver?: Resolver;
  /** How client configs start the stdio bridge (absolute command). Default: defaultBridgeLaunch(). */
  readonly bridge?: BridgeLaunch;
  /** Downstream MCP servers (parsed with downstreamServerSchema; names must be unique). */
  readonly downstream?: readonly DownstreamServerConfig[];
  /** Set: run_command runs in proxy mode (docs/gateway.md "Proxy mode"). */
  readonly runProxy?: RunProxyConfig;
  /** The device's local hour of day at a time (anomaly rule unusual_hours); default the system time zone's. */
  readonly localHour?: (t: number) => number;
}

export interface GatewayDeps {
  readonly credentials: CredentialSource;
  readonly audit: AuditSink;
  readonly store: GatewayStore;
  /** Per-install HMAC key for token hashes: loadOrCreateTokenKey(keychain). */
  readonly tokenKey: Uint8Array;
  readonly policy: PolicySource;
  readonly notify?: Notifier;
  readonly now?: () => number;
  readonly options?: GatewayOptions;
  /** Unexpected failures (audit sink down…); never forwarded to agents. */
  readonly onError?: (err: unknown) => void;
  /** The person's security key for touches to approve high-risk credentials (approval-touch.ts); none: such uses are refused. */
  readonly securityKey?: ApprovalAuthenticator;
}

type GatewayEvent = EventName<GatewayUiContract>;
export type GatewayListener = <E extends GatewayEvent>(event: E, payload: EventIn<GatewayUiContract, E>) => void;

export interface Gateway {
  start(): Promise<GatewayStatus>;
  close(): Promise<void>;
  status(): GatewayStatus;
  readonly uiHandlers: RpcHandlers<GatewayUiContract>;
  subscribe(listener: GatewayListener): () => void;
  /** For the lead's wiring and tests: the agent a token belongs to. */
  authenticate(token: string): AuthenticatedAgent | null;
  /**
   * The same tool path the MCP transports use, minus the transport (in-process callers,
   * benchmarks). Refuses with 'unauthorized' for a bad token.
   */
  callTool(token: string, name: string, args: unknown, signal?: AbortSignal): Promise<ToolResult>;
  /** The approval receipts this gateway issues and redeems (tests try to misuse them through it). */
  readonly receipts: ReceiptBook;
  /**
   * Enrols the plugged-in security key to approve requests: MakeCredential, then the
   * key's public key is signed into the audit log (approval_key.add) BEFORE it is kept,
   * so no touch is ever accepted from a key a verifier cannot find.
   */
  enrolApprovalKey(opts?: { uv?: boolean }): Promise<ApprovalKey>;
}

export async function createGateway(deps: GatewayDeps): Promise<Gateway> {
  const opts = deps.options ?? {};
  const now = deps.now ?? Date.now;
  const listeners = new Set<GatewayListener>();
  const emit: GatewayListener = (event, payload) => {
    for (const l of listeners) {
      try {
        l(event, payload);
      } catch (err) {
        deps.onError?.(err);
      }
    }
  };
  const registry = await Registry.open(deps.store, deps.tokenKey, now);
  const approvals = new ApprovalQueue(
    {
      requested: (p) => {
        emit('approval-requested', p);
        const what = p.request ? `${p.request.method} ${p.request.url} · ${p.request.bodyBytes} bytes of body` : `${p.tool} → ${p.destination}`;
        deps.notify?.({ title: `${p.agentName} wants to use ${p.credentialName}`, body: p.touch === true ? `${what} · needs a touch of your security key` : what });
      },
      settled: (id, outcome) => emit('approval-settled', { id, outcome }),
    },
    () => opts.approvalTimeoutMs ?? 120_000,
    now,
  );
  const activity = new ActivityLog(deps.audit, (e) => emit('activity', e), now, 5000);
  const unlockWaiters = new Set<() => void>();
  // Overviews only (never a secret), dropped on lock, unlock and any item change.
  const credentials = cacheCredentials(deps.credentials);
  const pool = createEgressPool();
  const downstreamRef: { current: DownstreamManager | null } = { current: null };

  const waitForUnlock = async (agent: AuthenticatedAgent, tool: string, signal?: AbortSignal): Promise<boolean> => {
    const ms = opts.unlockWaitMs ?? 60_000;
    if (ms <= 0 || (await deps.credentials.state()) !== 'locked') return false;
    emit('unlock-requested', { agentName: agent.name, tool, until: now() + ms });
    deps.notify?.({ title: 'Latchkey is locked', body: `${agent.name} needs a credential (${tool}). Unlock Latchkey to continue.` });
    // The call's MCP front turns this wait into a Task or progress, as it does an approval prompt.
    const watcher = approvalWatcher(signal);
    return new Promise<boolean>((resolve) => {
      const finish = (v: boolean): void => {
        clearTimeout(timer);
        unlockWaiters.delete(wake);
        // The last waiter leaving without an unlock: the app stops asking the person to unlock.
        if (!v && unlockWaiters.size === 0) emit('unlock-withdrawn', {});
        signal?.removeEventListener('abort', abort);
        watcher?.unlockSettled?.(v);
        resolve(v);
      };
      const wake = (): void => finish(true);
      const abort = (): void => finish(false);
      const timer = setTimeout(() => finish(false), ms);
      unlockWaiters.add(wake);
      signal?.addEventListener('abort', abort, { once: true });
      watcher?.unlockRequested?.();
      // A call abandoned before it got here would otherwise wait out the whole time.
      if (signal?.aborted) abort();
    });
  };

  const unsubs = [
    () => credentials.dispose(),
    deps.credentials.onLocked(() => {
      registry.clearSessions();
      // Nothing of the session lingers: kept-alive connections to agents' destinations close too.
      pool.close();
      // Downstream processes hold injected secrets: they end with the session.
      void downstreamRef.current?.closeAll();
    }),
    deps.credentials.onUnlocked(() => {
      for (const w of [...unlockWaiters]) w();
    }),
  ];

  // One shape for every signed use record: a release (success) and a guard's refusal (failure).
  const recordUse = (agent: Parameters<ToolContext['recordRelease']>[0], r: Parameters<ToolContext['recordRelease']>[1], outcome: 'success' | 'failure', reason: AuditReason) =>
    activity.record({
      agentId: agent.id,
      agentName: agent.name,
      tool: r.label,
      itemId: r.itemId,
      credentialName: r.credentialName,
      destination: r.destination,
      outcome,
      reason,
      audit: r.audit,
      // The receipt belongs to the release record only (a guard's later failure record does not repeat it).
      ...(outcome === 'success' && r.receipt !== undefined ? { receipt: r.receipt } : {}),
    });
  const securityKey = deps.securityKey;
  const receipts = new ReceiptBook({
    now,
    touch: securityKey ? { keys: () => registry.approvalKeys(), assert: (input) => securityKey.assert(input) } : null,
  });
  const enrolApprovalKey = async (o: { uv?: boolean } = {}): Promise<ApprovalKey> => {
    if (!securityKey) throw new LatchkeyError('unsupported', 'Security keys are not available in this build, so none can be enrolled to approve requests.');
    const key = await securityKey.enrol({ exclude: registry.approvalKeys().map((k) => k.credentialId), uv: o.uv === true });
    try {
      await deps.audit.append({ action: 'approval_key.add', actor: { type: 'person' }, outcome: 'success', approvalKey: key });
    } catch {
      throw new LatchkeyError('audit_unavailable', 'Latchkey could not sign the new approval key into its audit log, so the key was not enrolled. Unlock Latchkey and try again.');
    }
    await registry.addApprovalKey(key);
    return key;
  };
  const nameOf = async (itemId: string): Promise<string | null> => {
    try {
      return (await credentials.listCached()).list.find((c) => c.id === itemId)?.name ?? null;
    } catch {
      return null;
    }
  };
  // Budgets and anomaly alerts (guard-wiring.ts): their state lives in the registry's file.
  const guards = createGuardWiring({
    registry,
    activity,
    policy: deps.policy,
    now,
    emit,
    ...(deps.notify ? { notify: deps.notify } : {}),
    ...(opts.localHour ? { localHour: opts.localHour } : {}),
  });
  const canary = new CanaryAlarm({
    policy: deps.policy,
    stops: registry,
    record: (agent, t: CanaryTrip) =>
      activity.record({
        agentId: agent.id,
        agentName: agent.name,
        tool: t.tool,
        itemId: t.itemId,
        credentialName: t.credentialName,
        destination: t.destination,
        outcome: 'failure',
        reason: 'canary_tripped',
        audit: t.audit,
      }),
    alert: (agent, t, cutOff) => {
      void nameOf(t.itemId).then((name) => {
        const credentialName = t.credentialName ?? name;
        emit('canary-tripped', { agentId: agent.id, agentName: agent.name, itemId: t.itemId, credentialName, how: t.how, tool: t.tool, cutOff, at: now() });
        deps.notify?.({
          title: `Canary credential tripped by ${agent.name}`,
          body: `${t.how === 'use' ? 'It asked to use' : 'A result to it held'} ${credentialName ?? 'a canary credential'} (${t.tool}).${cutOff ? ' The agent is stopped until you restore it.' : ''}`,
        });
        if (cutOff) emit('agents-changed', {});
      });
      guards.canary(agent, t);
    },
  });
  const ctx: ToolContext = {
    echoes: new EchoLedger(),
    canary,
    recordGuard: (agent, r, reason) => recordUse(agent, r, 'failure', reason),
    recordFinding: (agent, source, reason, extra) =>
      activity.record({
        agentId: agent.id,
        agentName: agent.name,
        tool: source.tool,
        itemId: extra?.itemId ?? null,
        credentialName: null,
        destination: source.destination,
        // Redacted or flagged: the result still went out (success, with the reason); blocked or withheld: it did not.
        outcome: reason === 'dlp_redacted' || reason === 'dlp_warned' ? 'success' : 'failure',
        reason,
        audit: { ...source.audit, ...(extra?.dlpRule !== undefined ? { dlpRule: extra.dlpRule } : {}) },
      }),
    credentials,
    registry,
    approvals,
    receipts,
    policy: deps.policy,
    waitForUnlock,
    resolver: opts.resolver ?? systemResolver,
    pool,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    recordRelease: (agent, r) => recordUse(agent, r, 'success', approvalReason(r.basis)),
    recordRefusal: async (agent, r, reason) => {
      await recordUse(agent, r, 'failure', reason);
      await guards.placeholderRefused(agent, r);
    },
    guards: guards.useGuards,
    ...(opts.runProxy ? { runProxy: opts.runProxy } : {}),
  };
  const fixedServers = (opts.downstream ?? []).map((d) => downstreamServerSchema.parse(d));
  if (new Set(fixedServers.map((d) => d.name)).size !== fixedServers.length) throw new LatchkeyError('invalid_input', 'Two downstream MCP servers have the same name.');
  // Always there: the vault's servers come and go with unlock and the person's edits (vault-servers.ts).
  const downstream = new DownstreamManager(fixedServers, ctx);
  downstreamRef.current = downstream;
  const vaultServers = followVaultServers({
    source: deps.credentials,
    manager: downstream,
    fixed: fixedServers,
    onChanged: () => emit('agents-changed', {}),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
  unsubs.push(() => vaultServers.dispose());
  const dispatch: DispatchDeps = {
    ctx,
    downstream,
    registry,
    limiter: new RateLimiter(opts.rateLimit ?? { perMinute: 120, burst: 30 }, now),
    activity,
    runCommandOffered: () => {
      try {
        assertToolAllowed(deps.policy(), 'run_command');
        return true;
      } catch {
        return false;
      }
    },
  };

  /** The person paired, revoked, restored or removed an agent (signed as agent.<tool>, activity.ts). */
  const recordAgentChange = (a: { id: string; name: string }, tool: 'pair' | 'revoke' | 'restore' | 'remove') =>
    activity.record({ agentId: a.id, agentName: a.name, tool, itemId: null, credentialName: null, destination: null, outcome: 'success', reason: null });
  const terminal: TerminalDeps = { ctx, record: (input) => activity.record(input), ...(opts.runProxy ? { runProxy: opts.runProxy } : {}) };
  const tasks = new TaskStore(now);
  const agentServers = { dispatch, tasks, inflight: new Map<string, AbortController>() };

  let http: HttpListener | null = null;
  let socket: SocketListener | null = null;
  const status = (): GatewayStatus => ({
    running: http !== null || socket !== null,
    url: http?.url ?? null,
    port: http?.port ?? null,
    socketPath: socket?.path ?? null,
    runCommandEnabled: dispatch.runCommandOffered(),
  });
  const snippetsFor = (token: string) =>
    configSnippets({ url: http?.url ?? `http://127.0.0.1:${opts.port ?? DEFAULT_GATEWAY_PORT}${MCP_PATH}`, bridge: opts.bridge ?? defaultBridgeLaunch() }, token);

  const uiHandlers: RpcHandlers<GatewayUiContract> = {
    'gateway.status': () => status(),
    'agents.list': () => ({ agents: registry.listAgents() }),
    'agents.pair': async ({ name, client }) => {
      assertAgentAllowed(deps.policy(), name);
      const { agent, token } = await registry.pair(name, client);
      await recordAgentChange(agent, 'pair');
      emit('agents-changed', {});
      return { agent, token, snippets: snippetsFor(token) };
    },
    'agents.rotate': async ({ agentId }) => {
      const { agent, token } = await registry.rotate(agentId);
      emit('agents-changed', {});
      return { agent, token, snippets: snippetsFor(token) };
    },
    'agents.revoke': async ({ agentId }) => {
      const a = registry.getAgent(agentId);
      await registry.revoke(agentId);
      tasks.cancelAll(agentId);
      approvals.cancelForAgent(agentId, 'This agent was revoked.');
      await downstream.closeForAgent(agentId);
      await recordAgentChange(a, 'revoke');
      emit('agents-changed', {});
      return { ok: true as const };
    },
    'grants.get': async ({ agentId }) => {
      registry.getAgent(agentId);
      let list;
      try {
        list = await credentials.listCredentials();
      } catch (err) {
        if (isLatchkeyError(err, 'vault_locked')) return { grants: [] };
        throw err;
      }
      return {
        grants: list.map((c) => ({ agentId, itemId: c.id, mode: registry.grantMode(agentId, c.id), sessionApproved: registry.isSessionApproved(agentId, c.id) })),
      };
    },
    'grants.set': async ({ agentId, itemId, mode }) => {
      if (mode === 'always' || mode === 'session') assertApprovalModeAllowed(deps.policy(), mode);
      await registry.setGrant(agentId, itemId, mode);
      return { ok: true as const };
    },
    'serverGrants.get': ({ agentId }) => {
      registry.getAgent(agentId);
      return {
        grants: downstream.list().map((d) => ({
          agentId,
          server: d.name,
          mode: registry.serverGrantMode(agentId, d.name),
          sessionApproved: registry.isSessionApproved(agentId, serverKey(d.name)),
        })),
      };
    },
    'serverGrants.set': async ({ agentId, server, mode }) => {
      if (!downstream.has(server)) throw new LatchkeyError('not_found', `No downstream server named "${server}" is configured.`);
      if (mode === 'always' || mode === 'session') assertApprovalModeAllowed(deps.policy(), mode);
      await registry.setServerGrant(agentId, server, mode);
      // A server now refused must not keep a live connection for this agent.
      if (mode === 'never') await downstream.closeForAgent(agentId, server);
      return { ok: true as const };
    },
    'agents.restore': async ({ agentId }) => {
      const a = registry.getAgent(agentId);
      // Restoring an agent that is not stopped changes nothing and records nothing.
      if (!(await canary.restore(agentId))) return { ok: true as const };
      await recordAgentChange(a, 'restore');
      emit('agents-changed', {});
      return { ok: true as const };
    },
    'agents.remove': async ({ agentId }) => {
      const a = registry.getAgent(agentId);
      await registry.remove(agentId);
      await recordAgentChange(a, 'remove');
      emit('agents-changed', {});
      return { ok: true as const };
    },
    ...guards.handlers(() => credentials.listCredentials()),
    'approvals.pending': () => ({ approvals: approvals.pending() }),
    'approvalKeys.list': () => ({ keys: registry.approvalKeys().map((k) => ({ credentialId: k.credentialId, alg: k.alg })) }),
    'approvalKeys.enrol': async ({ uv }) => ({ credentialId: (await enrolApprovalKey(uv !== undefined ? { uv } : {})).credentialId }),
    'approvals.answer': ({ approvalId, answer }) => {
      approvals.answer(approvalId, answer);
      return { ok: true as const };
    },
    'activity.list': ({ agentId, limit }) => ({
      entries: activity.list({ ...(agentId !== undefined ? { agentId } : {}), ...(limit !== undefined ? { limit } : {}) }),
    }),
  };

  return {
    async start() {
      if (!http) http = await listenHttp(createGatewayHttpApp(agentServers, registry), opts.port ?? DEFAULT_GATEWAY_PORT);
      const sp = opts.socketPath === undefined ? defaultSocketPath() : opts.socketPath;
      if (!socket && sp !== null) socket = await listenSocket(agentServers, registry, sp, terminal);
      // A vault already open (the engine connected first) has its servers now, not at the next change.
      await vaultServers.refresh();
      return status();
    },
    async close() {
      tasks.cancelAll();
      approvals.cancelAll('Latchkey is shutting down.');
      for (const u of unsubs) u();
      for (const w of [...unlockWaiters]) w();
      await Promise.all([http?.close(), socket?.close(), downstream.closeAll()]);
      pool.close();
      http = null;
      socket = null;
      await registry.flush();
    },
    status,
    uiHandlers,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    authenticate: (token) => registry.authenticate(token),
    async callTool(token, name, args, signal) {
      const agent = registry.authenticate(token);
      if (!agent) throw new LatchkeyError('unauthorized', 'Missing or invalid Latchkey agent token.');
      return callTool(dispatch, agent, name, args, signal);
    },
    receipts,
    enrolApprovalKey,
  };
}
