/**
 * Shared set-up for the budget and anomaly promise tests: a real engine (fake-indexeddb,
 * its audit events captured as the signed log's schema parses them), the real gateway
 * over EngineMainContract with a clock the test moves, a local API, and one credential
 * granted 'always' to a paired agent. No sleeps: time is `clock.t`.
 */
import 'fake-indexeddb/auto';
import { randomBytes } from 'node:crypto';
import { buildEffectivePolicy, personalPolicy } from '../../src/core/policy';
import type { ApprovalAnswer, PendingApproval } from '../../src/shared/contracts/gateway';
import { DEFAULT_PERSONAL_SETTINGS, type EffectivePolicy, type Policy } from '../../src/shared/policy';
import { createMemoryGatewayStore, type GatewayStore } from '../../src/main/gateway';
import { PASSWORD, apiCredentialDraft, makeHarness, type Harness } from '../unit/core/helpers';
import { startServer, type TestServer } from '../unit/gateway/harness';
import { callTool, startGatewayOverEngine, type GatewayOverEngine } from './gateway-over-engine';

/** Monday 5 January 2026, 10:00 UTC; tests read local hours as UTC. */
export const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
export const MIN = 60_000;
export const HOUR = 60 * MIN;

export function managed(fields: Omit<Policy, 'version' | 'org'>): EffectivePolicy {
  return buildEffectivePolicy([{ policy: { version: 1, org: { name: 'Acme' }, ...fields }, source: 'build', path: 'policy.json' }], DEFAULT_PERSONAL_SETTINGS);
}

export interface GuardWorld {
  readonly h: Harness;
  readonly api: TestServer;
  /** A second API the credential may also go to (another origin). */
  readonly other: TestServer;
  readonly main: GatewayOverEngine;
  readonly clock: { t: number };
  readonly itemId: string;
  readonly agentId: string;
  readonly token: string;
  readonly prompts: PendingApproval[];
  /** The person's next answers, in order (then: deny). */
  readonly answers: ApprovalAnswer[];
  policy: EffectivePolicy;
  /** One http_request with the credential, through the gateway's own call path. */
  call(args?: { method?: string; path?: string; origin?: string }): Promise<{ isError: boolean; text: string }>;
  /** A new gateway on the same state file and token key (an app restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function guardWorld(opts: { body?: string; policy?: EffectivePolicy; mcp?: boolean } = {}): Promise<GuardWorld> {
  const h = makeHarness();
  const api = await startServer((_req, res) => res.end(opts.body ?? '{"ok":true}'));
  const other = await startServer((_req, res) => res.end('{"ok":true}'));
  await h.engine.createVault(PASSWORD);
  const item = await h.engine.createItem(apiCredentialDraft('Build API', 'sk-live_GuardTest_0123456789abcdef', { allowedOrigins: [api.origin, other.origin] }));
  const clock = { t: T0 };
  const store: GatewayStore = createMemoryGatewayStore();
  const tokenKey = randomBytes(32);
  const prompts: PendingApproval[] = [];
  const answers: ApprovalAnswer[] = [];
  const world = {
    h,
    api,
    other,
    clock,
    itemId: item.id,
    prompts,
    answers,
    policy: opts.policy ?? personalPolicy(),
  } as GuardWorld & { main: GatewayOverEngine; agentId: string; token: string };
  const start = () =>
    startGatewayOverEngine(h.engine, {
      store,
      tokenKey,
      now: () => clock.t,
      policy: () => world.policy,
      options: { approvalTimeoutMs: 5_000, localHour: (t) => new Date(t).getUTCHours() },
      answer: (p) => {
        prompts.push(p);
        return answers.shift() ?? 'deny';
      },
    });
  world.main = await start();
  const paired = await world.main.connectAgent('build-bot');
  world.agentId = paired.id;
  world.token = paired.token;
  await world.main.gateway.uiHandlers['grants.set']({ agentId: paired.id, itemId: item.id, mode: 'always' }, {} as never);
  world.call = async (a = {}) => {
    const args = { credential: 'Build API', method: a.method ?? 'GET', url: `${a.origin ?? api.origin}${a.path ?? '/v1/builds'}` };
    if (opts.mcp === true) return callTool(paired.client, 'http_request', args);
    const r = await world.main.gateway.callTool(world.token, 'http_request', args);
    return { isError: r.isError === true, text: r.content.map((c) => c.text).join('') };
  };
  world.restart = async () => {
    await world.main.close();
    world.main = await start();
  };
  world.close = async () => {
    await world.main.close();
    await api.close();
    await other.close();
    h.store.close();
  };
  return world;
}

/** The captured audit events of one action. */
export function events(w: GuardWorld, action: string) {
  return w.h.audit.filter((e) => e.action === action);
}
