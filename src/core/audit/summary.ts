/**
 * The compliance summary of a verified audit export for one period (docs/audit-format.md
 * §9): uses per agent and per credential, refusals by reason, echo and canary events,
 * and destinations a credential reached for the first time. Built by folding records one
 * at a time in log order, so a year of records needs memory only for the distinct
 * agents, credentials and origins, never for the records themselves.
 *
 * Only records of a verified export are meant to be folded (the CLI verifies first):
 * the summary trusts what it counts.
 */
import type { AuditExportItem } from './export';
import type { AuditRecord } from './record';

/** Half-open period `from ≤ time < to`, in the records' own `…T00:00:00.000Z` form. */
export interface SummaryPeriod {
  readonly from?: string;
  readonly to?: string;
}

export interface UseCounts {
  success: number;
  failure: number;
  denied: number;
}

export interface FirstUse {
  readonly time: string;
  readonly itemId: string;
  readonly origin: string;
  readonly agent: string;
}

export interface GuardEvent {
  readonly time: string;
  readonly device: string;
  readonly seq: number;
  readonly agent: string;
  readonly itemId?: string;
  readonly origin?: string;
}

/** The exact count, and the first {@link LISTED_EVENTS_MAX} events one by one. */
export interface GuardEvents {
  readonly total: number;
  readonly listed: readonly GuardEvent[];
}

export interface AuditSummary {
  readonly period: SummaryPeriod;
  /** Records of every kind inside the period. */
  readonly records: number;
  readonly devices: number;
  /** Time of the first and last record inside the period. */
  readonly first?: string;
  readonly last?: string;
  /** `credential.use` counts by agent id ("person" for the person's own uses). */
  readonly perAgent: ReadonlyMap<string, UseCounts>;
  /** `credential.use` counts by credential (item id). */
  readonly perCredential: ReadonlyMap<string, UseCounts>;
  /** `credential.use` counts by UTC day (`YYYY-MM-DD`). */
  readonly perDay: ReadonlyMap<string, UseCounts>;
  /** Refused uses by reason. */
  readonly denials: ReadonlyMap<string, number>;
  readonly echoEvents: GuardEvents;
  readonly canaryEvents: GuardEvents;
  /** (credential, origin) pairs used inside the period and never before it in the export. */
  readonly newDestinations: readonly FirstUse[];
}

/** Reasons that mark a result guard's finding (src/shared/contracts/audit-event.ts GUARD_REASONS). */
const ECHO_REASON = 'echo_detected';
const CANARY_REASON = 'canary_tripped';
/** At most this many events of one kind are listed one by one; the count stays exact. */
export const LISTED_EVENTS_MAX = 200;

export interface SummaryBuilder {
  add(item: AuditExportItem): void;
  finish(): AuditSummary;
}

export function createSummaryBuilder(period: SummaryPeriod): SummaryBuilder {
  const devices = new Set<string>();
  const perAgent = new Map<string, UseCounts>();
  const perCredential = new Map<string, UseCounts>();
  const perDay = new Map<string, UseCounts>();
  const denials = new Map<string, number>();
  const echoEvents: GuardEvent[] = [];
  const canaryEvents: GuardEvent[] = [];
  const newDestinations: FirstUse[] = [];
  // Destinations seen before or inside the period, so "new" means new in the whole export so far.
  const seenDestinations = new Set<string>();
  let records = 0;
  let echoCount = 0;
  let canaryCount = 0;
  let first: string | undefined;
  let last: string | undefined;

  const inPeriod = (time: string): boolean => (period.from === undefined || time >= period.from) && (period.to === undefined || time < period.to);

  function add(item: AuditExportItem): void {
    if ('type' in item) return;
    const r: AuditRecord = item;
    const destinationKey = r.action === 'credential.use' && r.target?.itemId && r.target.origin ? `${r.target.itemId} ${r.target.origin}` : undefined;
    if (!inPeriod(r.time)) {
      if (destinationKey && r.outcome === 'success' && (period.from === undefined || r.time < period.from)) seenDestinations.add(destinationKey);
      return;
    }
    records++;
    devices.add(r.device);
    if (first === undefined || r.time < first) first = r.time;
    if (last === undefined || r.time > last) last = r.time;
    const agent = r.actor.type === 'agent' ? (r.actor.id ?? 'agent') : r.actor.type;
    if (r.reason === ECHO_REASON) {
      echoCount++;
      if (echoEvents.length < LISTED_EVENTS_MAX) echoEvents.push(guardEvent(r, agent));
    }
    if (r.reason === CANARY_REASON) {
      canaryCount++;
      if (canaryEvents.length < LISTED_EVENTS_MAX) canaryEvents.push(guardEvent(r, agent));
    }
    if (r.action !== 'credential.use') return;
    bump(perAgent, agent, r.outcome);
    if (r.target?.itemId) bump(perCredential, r.target.itemId, r.outcome);
    bump(perDay, r.time.slice(0, 10), r.outcome);
    if (r.outcome === 'denied') denials.set(r.reason ?? 'unspecified', (denials.get(r.reason ?? 'unspecified') ?? 0) + 1);
    if (destinationKey && r.outcome === 'success' && !seenDestinations.has(destinationKey)) {
      seenDestinations.add(destinationKey);
      newDestinations.push({ time: r.time, itemId: r.target!.itemId!, origin: r.target!.origin!, agent });
    }
  }

  function finish(): AuditSummary {
    return {
      period,
      records,
      devices: devices.size,
      ...(first !== undefined ? { first } : {}),
      ...(last !== undefined ? { last } : {}),
      perAgent,
      perCredential,
      perDay: new Map([...perDay].sort(([a], [b]) => (a < b ? -1 : 1))),
      denials,
      echoEvents: { total: echoCount, listed: echoEvents },
      canaryEvents: { total: canaryCount, listed: canaryEvents },
      newDestinations,
    };
  }
  return { add, finish };
}

function guardEvent(r: AuditRecord, agent: string): GuardEvent {
  return {
    time: r.time,
    device: r.device,
    seq: r.seq,
    agent,
    ...(r.target?.itemId ? { itemId: r.target.itemId } : {}),
    ...(r.target?.origin ? { origin: r.target.origin } : {}),
  };
}

function bump(map: Map<string, UseCounts>, key: string, outcome: AuditRecord['outcome']): void {
  let c = map.get(key);
  if (!c) map.set(key, (c = { success: 0, failure: 0, denied: 0 }));
  c[outcome]++;
}
