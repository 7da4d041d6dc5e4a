/**
 * Canary credentials (issue 10 item 3, docs/gateway.md "Canary credentials"). A canary
 * is an API credential the person marked as bait: agents see it listed like any other,
 * but Latchkey never injects or sends it (the engine refuses to release it too). An
 * agent asking to use it, or its value coming back in any result going to an agent
 * (the engine's scrub reports which canary it found, in any form the scrubber knows),
 * trips the alarm: a signed `credential.use` failure with reason `canary_tripped`
 * naming the canary item, a `canary-tripped` event for the UI, an OS notification, and,
 * unless policy `canary.cutOffAgent` is false, the agent is cut off: every tool call
 * is refused until the person restores it ('agents.restore').
 *
 * What the agent is told is deliberately plain ("cannot be used"): naming the canary
 * would tell an attacker which credentials to avoid.
 */
import { managedValue } from '../../../core/policy';
import { LatchkeyError } from '../../../shared/errors';
import type { AuditFacts } from '../activity';
import type { PolicySource } from '../ports';
import type { AuthenticatedAgent } from '../registry';

export interface CanaryTrip {
  readonly itemId: string;
  readonly credentialName: string | null;
  readonly how: 'use' | 'result';
  /** The tool label (http_request, run_command, downstream:<server>). */
  readonly tool: string;
  readonly destination: string | null;
  readonly audit: AuditFacts;
}

/** Where a stop is kept (the registry: persisted, so a restart keeps the agent stopped). */
export interface AgentStops {
  stop(agentId: string): Promise<void>;
  isStopped(agentId: string): boolean;
  /** False when the agent was not stopped. */
  restore(agentId: string): Promise<boolean>;
}

export interface CanaryAlarmDeps {
  readonly policy: PolicySource;
  readonly stops: AgentStops;
  /** Signs the trip (reason canary_tripped); throws audit_unavailable when it cannot. */
  readonly record: (agent: AuthenticatedAgent, trip: CanaryTrip) => Promise<void>;
  /** UI event and OS notification. */
  readonly alert: (agent: AuthenticatedAgent, trip: CanaryTrip, cutOff: boolean) => void;
}

export const CANARY_REFUSAL = 'This credential cannot be used.';
export const CUT_OFF_MESSAGE = 'Latchkey has stopped this agent after it touched a credential it must not use. Ask the person to restore it in Latchkey.';

export class CanaryAlarm {
  constructor(private readonly deps: CanaryAlarmDeps) {}

  /** Throws `forbidden` for an agent that is cut off. */
  assertNotCutOff(agentId: string): void {
    if (this.deps.stops.isStopped(agentId)) throw new LatchkeyError('forbidden', CUT_OFF_MESSAGE);
  }

  /** The person restored the agent; false when it was not stopped. */
  restore(agentId: string): Promise<boolean> {
    return this.deps.stops.restore(agentId);
  }

  /**
   * Raises the alarm. The record is written first (no record is a failure of its own,
   * surfaced to the caller); the cut-off and the alert happen even if it fails.
   */
  async trip(agent: AuthenticatedAgent, trip: CanaryTrip): Promise<void> {
    const cut = managedValue(this.deps.policy(), 'canary.cutOffAgent') !== false;
    // stop() flags the agent synchronously; its save is awaited with the record.
    const stopped = cut ? this.deps.stops.stop(agent.id) : Promise.resolve();
    try {
      await this.deps.record(agent, trip);
    } finally {
      await stopped.catch(() => undefined);
      this.deps.alert(agent, trip, cut);
    }
  }
}

/** Thrown by a tool's precheck when the credential asked for is a canary (caught by guardCanaryUse). */
export class CanaryTouched extends Error {
  constructor(
    readonly itemId: string,
    readonly credentialName: string,
  ) {
    super('canary');
  }
}

/** A precheck for authorizeUse: refuses a canary before any prompt or secret. */
export function refuseCanary(o: { id: string; name: string; canary?: boolean | undefined }): void {
  if (o.canary === true) throw new CanaryTouched(o.id, o.name);
}

/**
 * Runs `use` (an authorizeUse call with refuseCanary in its precheck); a canary touched
 * trips the alarm and becomes a plain `forbidden` refusal.
 */
export async function guardCanaryUse<T>(
  alarm: CanaryAlarm | undefined,
  agent: AuthenticatedAgent,
  where: { tool: string; destination: string | null; audit: AuditFacts },
  use: () => Promise<T>,
): Promise<T> {
  try {
    return await use();
  } catch (err) {
    if (!(err instanceof CanaryTouched)) throw err;
    await alarm?.trip(agent, { itemId: err.itemId, credentialName: err.credentialName, how: 'use', ...where });
    throw new LatchkeyError('forbidden', CANARY_REFUSAL);
  }
}
