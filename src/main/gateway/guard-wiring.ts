/**
 * Budgets and anomaly alerts, composed for the gateway: their state in the registry's
 * file, alerts signed through the activity log (`alert.raised`, docs/audit-format.md
 * §1.1a), kept for the UI (newest first, until dismissed), sent as the `alert-raised`
 * event and as an OS notification; and the UI's budget and alert RPCs.
 */
import type { RpcHandlers } from '../../shared/rpc/rpc';
import type { EventIn, EventName } from '../../shared/rpc/contract';
import { AUDIT_TOOLS, type AuditTool } from '../../shared/contracts/audit-event';
import type { Alert, GatewayUiContract } from '../../shared/contracts/gateway';
import { isLatchkeyError } from '../../shared/errors';
import type { ActivityLog } from './activity';
import { Anomalies, type AlertInput } from './anomalies';
import { Budgets, assertBudgetShape } from './budgets';
import type { CredentialOverview, Notifier, PolicySource } from './ports';
import type { AuthenticatedAgent, Registry } from './registry';
import type { CredentialRelease } from './tools/context';
import type { CanaryTrip } from './tools/canary';
import { createUseGuards, type UseGuards } from './use-guards';

/** Alerts kept for the UI; the signed log keeps every one. */
const ALERTS_KEPT = 200;
/** One OS notification per agent and rule per minute: an agent walking new paths must not flood the desktop. */
const NOTIFY_EVERY_MS = 60_000;

type Emit = <E extends EventName<GatewayUiContract>>(event: E, payload: EventIn<GatewayUiContract, E>) => void;

export interface GuardWiringDeps {
  readonly registry: Registry;
  readonly activity: ActivityLog;
  readonly policy: PolicySource;
  readonly now: () => number;
  readonly emit: Emit;
  readonly notify?: Notifier;
  readonly localHour?: (t: number) => number;
}

type GuardHandlers = Pick<RpcHandlers<GatewayUiContract>, 'budgets.get' | 'budgets.set' | 'alerts.list' | 'alerts.dismiss'>;

export interface GuardWiring {
  readonly useGuards: UseGuards;
  /** A canary trip (tools/canary.ts): an alert, signed; failures go nowhere but the log's own report. */
  canary(agent: AuthenticatedAgent, trip: CanaryTrip): void;
  /** The run proxy refused a placeholder: an alert, signed before the refusal returns. */
  placeholderRefused(agent: AuthenticatedAgent, r: CredentialRelease): Promise<void>;
  handlers(list: () => Promise<CredentialOverview[]>): GuardHandlers;
}

export function createGuardWiring(deps: GuardWiringDeps): GuardWiring {
  const alerts: Alert[] = [];
  let nextId = 0;
  const notified = new Map<string, number>();
  const raise = async (a: AlertInput): Promise<void> => {
    await deps.activity.record({
      agentId: a.agentId,
      agentName: a.agentName,
      tool: 'alert',
      itemId: a.itemId,
      credentialName: a.credentialName,
      destination: a.origin,
      outcome: 'success',
      reason: null,
      audit: { ...auditTool(a.tool), origin: a.origin, ...(a.method !== null ? { method: a.method } : {}), rule: a.rule },
    });
    const alert: Alert = { ...a, id: nextId++, at: deps.now() };
    alerts.push(alert);
    if (alerts.length > ALERTS_KEPT) alerts.shift();
    deps.emit('alert-raised', alert);
    const key = `${a.agentId}/${a.rule}`;
    const last = notified.get(key);
    if (last !== undefined && alert.at - last < NOTIFY_EVERY_MS) return;
    if (notified.size > 10_000) notified.clear();
    notified.set(key, alert.at);
    deps.notify?.({ title: `Unusual use by ${a.agentName}`, body: `${a.message}${a.requiresApproval ? ' Latchkey will ask you before it goes on.' : ''}`.slice(0, 300) });
  };
  const budgets = new Budgets(deps.registry, deps.policy, deps.now);
  const anomalies = new Anomalies({
    holder: deps.registry,
    policy: deps.policy,
    now: deps.now,
    localHour: deps.localHour ?? ((t) => new Date(t).getHours()),
    raise,
  });
  return {
    useGuards: createUseGuards(budgets, anomalies),
    canary(agent, t) {
      void anomalies
        .event('canary', { agentId: agent.id, agentName: agent.name, itemId: t.itemId, credentialName: t.credentialName, tool: t.tool, origin: t.audit.origin ?? null })
        // The trip itself is signed already (canary_tripped); an alert that cannot be signed is not shown.
        .catch(() => undefined);
    },
    placeholderRefused: (agent, r) =>
      anomalies.event('placeholder_refused', {
        agentId: agent.id,
        agentName: agent.name,
        itemId: r.itemId,
        credentialName: r.credentialName,
        tool: r.label,
        origin: r.audit.origin ?? null,
        method: r.audit.method ?? null,
      }),
    handlers: (list) => ({
      'budgets.get': async ({ agentId }) => {
        deps.registry.getAgent(agentId);
        let items: CredentialOverview[];
        try {
          items = await list();
        } catch (err) {
          if (isLatchkeyError(err, 'vault_locked')) return { budgets: [], floor: budgets.floor() };
          throw err;
        }
        return {
          budgets: items.map((c) => ({ itemId: c.id, budget: budgets.get(agentId, c.id), effective: budgets.effective(agentId, c.id), usage: budgets.usage(agentId, c.id) })),
          floor: budgets.floor(),
        };
      },
      'budgets.set': async ({ agentId, itemId, budget }) => {
        deps.registry.getAgent(agentId);
        await budgets.set(agentId, itemId, budget === null ? null : assertBudgetShape(budget));
        return { ok: true as const };
      },
      'alerts.list': () => ({ alerts: [...alerts].reverse() }),
      'alerts.dismiss': ({ id }) => {
        const i = alerts.findIndex((a) => a.id === id);
        if (i >= 0) alerts.splice(i, 1);
        return { ok: true as const };
      },
    }),
  };
}

function auditTool(label: string): { tool?: AuditTool } {
  if ((AUDIT_TOOLS as readonly string[]).includes(label)) return { tool: label as AuditTool };
  return label.startsWith('downstream:') ? { tool: 'downstream' } : {};
}
