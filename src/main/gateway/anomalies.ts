/**
 * Anomaly alerts on agents' credential uses (docs/gateway.md §15). Each rule, exactly:
 *
 * - new_destination / new_method / new_path: a use of a credential with an origin, an
 *   HTTP method, or a path shape it was never used with before (http_request). The
 *   credential's first released use seeds what it has seen and raises nothing: the
 *   person granted it for that first destination knowingly, and an alert on every new
 *   credential would teach people to dismiss alerts. A path's shape is its pathname
 *   with every segment that holds a digit, other than an API version (`v` and 1–3
 *   digits), replaced by `*` (/v1/builds/123 → /v1/builds/*); what is kept is a
 *   digest of it. Each rule checks its own set, so a
 *   new origin with a known path raises only new_destination.
 * - burst: the agent's uses in the current UTC minute, counting this one, exceed
 *   max(10, 5 × the median of its per-minute uses over the 60 minutes before). At most
 *   one burst alert per agent per 10 minutes.
 * - unusual_hours: a use in an hour (device local time) outside policy
 *   `anomalies.usualHours`; without it, outside the learned hours: once at least 200
 *   released uses are counted per hour of day, hour h is usual when hours h-1, h, h+1
 *   together hold at least 1% of them. At most one alert per agent per clock hour.
 * - placeholder_refused: the run proxy refused to swap a placeholder for a destination
 *   the item does not allow. canary: a canary credential was tripped.
 *
 * An alert is raised once per new value (until the use is released and so learned) and
 * is signed (`alert.raised`, target `rule`, never the value) before the use goes on: no
 * record, no use. Rules in policy `anomalies.requireApproval` also make the use ask the
 * person afresh whatever the grant; for placeholder_refused and canary, the agent's
 * next credential use does.
 */
import { createHash } from 'node:crypto';
import { managedValue } from '../../core/policy';
import type { AnomalyRule, UsualHours } from '../../shared/budgets';
import { MAX_METHODS, MAX_ORIGINS, MAX_PATHS, type GuardStateHolder, type StoredSeen } from './guard-state';
import type { PolicySource } from './ports';

export const BURST_FLOOR = 10;
export const BURST_FACTOR = 5;
export const BURST_COOLDOWN_MS = 10 * 60_000;
export const HOURS_MIN_SAMPLE = 200;
export const HOURS_MIN_SHARE = 0.01;

export interface AlertInput {
  readonly rule: AnomalyRule;
  readonly agentId: string;
  readonly agentName: string;
  readonly itemId: string | null;
  readonly credentialName: string | null;
  readonly tool: string;
  readonly origin: string | null;
  readonly method: string | null;
  /** The path shape (new_path), for the person's own screen only; never in the audit record. */
  readonly path: string | null;
  /** Policy makes this use (or the agent's next one) ask the person afresh. */
  readonly requiresApproval: boolean;
  /** Plain words for the prompt, the alert and the notification. */
  readonly message: string;
}

export interface AnomalyUse {
  readonly agentId: string;
  readonly agentName: string;
  readonly itemId: string;
  readonly credentialName: string;
  readonly tool: string;
  readonly url?: URL;
  readonly method?: string;
}

export interface AnomalyDeps {
  readonly holder: GuardStateHolder;
  readonly policy: PolicySource;
  readonly now: () => number;
  /** The device's local hour of day (0–23) at a time; tests fix it. */
  readonly localHour: (t: number) => number;
  /** Signs the alert (alert.raised), then shows and notifies it; throws audit_unavailable when it cannot sign. */
  readonly raise: (alert: AlertInput) => Promise<void>;
}

/** What a use's check found: the rules that require asking afresh (their messages), and every rule it tripped. */
export interface AnomalyFindings {
  readonly ask: ReadonlyArray<{ rule: AnomalyRule; message: string }>;
  readonly rules: readonly AnomalyRule[];
}

export class Anomalies {
  private readonly seenIndex = new Map<string, StoredSeen>();
  /** Alerts already raised for a value not learned yet (new_*): raised once, not per attempt. */
  private readonly raised = new Set<string>();
  /** Per agent: minute → released uses, the last 61 minutes (memory only). */
  private readonly perMinute = new Map<string, Map<number, number>>();
  private readonly lastBurst = new Map<string, number>();
  private readonly lastHours = new Map<string, number>();
  /** Agents whose next use asks afresh after a placeholder refusal or a canary trip. */
  private readonly marked = new Map<string, AnomalyRule>();

  constructor(private readonly deps: AnomalyDeps) {
    for (const s of deps.holder.guards().seen) if (!this.seenIndex.has(s.itemId)) this.seenIndex.set(s.itemId, s);
  }

  private requires(rule: AnomalyRule): boolean {
    const r = managedValue(this.deps.policy(), 'anomalies.requireApproval');
    return Array.isArray(r) && (r as unknown[]).includes(rule);
  }

  /** Checks a use before approval; raises (and signs) each alert it trips. */
  async check(use: AnomalyUse): Promise<AnomalyFindings> {
    const t = this.deps.now();
    const found: Array<{ rule: AnomalyRule; message: string; origin?: string; method?: string; path?: string; dedupe: string | null }> = [];
    const seen = this.seenIndex.get(use.itemId);
    if (use.url !== undefined && seen !== undefined) {
      const origin = use.url.origin;
      const shape = pathShape(use.url.pathname);
      if (!seen.origins.includes(origin)) {
        found.push({ rule: 'new_destination', origin, message: `First use of this credential at ${origin}.`, dedupe: `${use.itemId}/o/${origin}` });
      }
      if (use.method !== undefined && !seen.methods.includes(use.method)) {
        found.push({ rule: 'new_method', method: use.method, message: `First ${use.method} request with this credential.`, dedupe: `${use.itemId}/m/${use.method}` });
      }
      if (!seen.paths.includes(pathDigest(shape))) {
        found.push({ rule: 'new_path', path: shape, message: `First use of this credential for the path ${shape.slice(0, 120)}.`, dedupe: `${use.itemId}/p/${pathDigest(shape)}` });
      }
    }
    const burst = this.burst(use.agentId, t);
    if (burst !== null) found.push({ rule: 'burst', message: burst, dedupe: null });
    const hours = this.unusualHour(t);
    if (hours !== null) found.push({ rule: 'unusual_hours', message: hours, dedupe: null });

    const ask: Array<{ rule: AnomalyRule; message: string }> = [];
    const mark = this.marked.get(use.agentId);
    if (mark !== undefined && this.requires(mark)) {
      ask.push({ rule: mark, message: mark === 'canary' ? 'This agent tripped a canary credential.' : 'This agent tried to send a credential where it is not allowed.' });
    }
    for (const f of found) {
      const requiresApproval = this.requires(f.rule);
      if (requiresApproval) ask.push({ rule: f.rule, message: f.message });
      // Detection is the same on every attempt (so a use that must ask, asks each time); the alert is raised once.
      if (f.dedupe !== null && this.raised.has(f.dedupe)) continue;
      if (f.rule === 'burst') {
        const last = this.lastBurst.get(use.agentId);
        if (last !== undefined && t - last < BURST_COOLDOWN_MS) continue;
        this.lastBurst.set(use.agentId, t);
      }
      if (f.rule === 'unusual_hours') {
        if (this.lastHours.get(use.agentId) === Math.floor(t / 3_600_000)) continue;
        this.lastHours.set(use.agentId, Math.floor(t / 3_600_000));
      }
      if (f.dedupe !== null) {
        if (this.raised.size >= 10_000) this.raised.clear();
        this.raised.add(f.dedupe);
      }
      await this.deps.raise({
        rule: f.rule,
        agentId: use.agentId,
        agentName: use.agentName,
        itemId: use.itemId,
        credentialName: use.credentialName,
        tool: use.tool,
        origin: use.url?.origin ?? null,
        method: use.method ?? null,
        path: f.path ?? null,
        requiresApproval,
        message: f.message,
      });
    }
    return { ask, rules: found.map((f) => f.rule) };
  }

  /** The person approved a use the rules asked about: a mark from an event is spent. */
  approvedAgain(agentId: string): void {
    this.marked.delete(agentId);
  }

  /** A released use: learned, and counted for the burst and hours rules. */
  commit(use: AnomalyUse): void {
    const t = this.deps.now();
    const m = Math.floor(t / 60_000);
    const counts = this.perMinute.get(use.agentId) ?? new Map<number, number>();
    counts.set(m, (counts.get(m) ?? 0) + 1);
    for (const k of counts.keys()) if (k < m - 60) counts.delete(k);
    this.perMinute.set(use.agentId, counts);
    const g = this.deps.holder.guards();
    const h = this.deps.localHour(t);
    g.hours[h] = (g.hours[h] ?? 0) + 1;
    if (use.url !== undefined) {
      let seen = this.seenIndex.get(use.itemId);
      if (seen === undefined) {
        seen = { itemId: use.itemId, origins: [], methods: [], paths: [] };
        this.seenIndex.set(use.itemId, seen);
        g.seen.push(seen);
      }
      // Oldest first out when full: a credential used with thousands of shapes keeps learning.
      learn(seen.origins, use.url.origin, MAX_ORIGINS);
      if (use.method !== undefined) learn(seen.methods, use.method, MAX_METHODS);
      learn(seen.paths, pathDigest(pathShape(use.url.pathname)), MAX_PATHS);
    }
    this.deps.holder.saveGuardsSoon();
  }

  /** A refused placeholder or a canary trip: an alert now, and (per policy) the agent's next use asks afresh. */
  async event(
    rule: 'placeholder_refused' | 'canary',
    a: Omit<AlertInput, 'rule' | 'requiresApproval' | 'message' | 'path' | 'method'> & { method?: string | null },
  ): Promise<void> {
    const requiresApproval = this.requires(rule);
    if (requiresApproval) this.marked.set(a.agentId, rule);
    const message =
      rule === 'canary'
        ? `${a.agentName} touched a canary credential (${a.tool}).`
        : `${a.agentName} tried to send ${a.credentialName ?? 'a credential'} to ${a.origin ?? 'a destination'} that it is not allowed to go to.`;
    await this.deps.raise({ ...a, method: a.method ?? null, path: null, rule, requiresApproval, message });
  }

  private burst(agentId: string, t: number): string | null {
    const m = Math.floor(t / 60_000);
    const counts = this.perMinute.get(agentId);
    const current = (counts?.get(m) ?? 0) + 1;
    const trailing = Array.from({ length: 60 }, (_, i) => counts?.get(m - 60 + i) ?? 0).sort((x, y) => x - y);
    const median = (trailing[29]! + trailing[30]!) / 2;
    const threshold = Math.max(BURST_FLOOR, BURST_FACTOR * median);
    if (current <= threshold) return null;
    return `A burst of uses: ${current} this minute, well above this agent's usual ${median} a minute.`;
  }

  private unusualHour(t: number): string | null {
    const h = this.deps.localHour(t);
    const set = managedValue(this.deps.policy(), 'anomalies.usualHours') as UsualHours | undefined;
    if (set !== undefined) {
      if (inWindow(set, h)) return null;
      return `A use at ${pad(h)}:00, outside the usual hours set by policy (${pad(set.from)}:00–${pad(set.to % 24)}:00).`;
    }
    const hours = this.deps.holder.guards().hours;
    const total = hours.reduce((a, b) => a + b, 0);
    if (total < HOURS_MIN_SAMPLE) return null;
    const near = (hours[(h + 23) % 24] ?? 0) + (hours[h] ?? 0) + (hours[(h + 1) % 24] ?? 0);
    if (near >= HOURS_MIN_SHARE * total) return null;
    return `A use at ${pad(h)}:00, outside the hours this computer's agents are usually used.`;
  }
}

export function inWindow(w: UsualHours, h: number): boolean {
  const to = w.to % 24;
  return w.from < to ? h >= w.from && h < to : h >= w.from || h < to;
}

/** The pathname with every segment holding a digit as `*` (except an API version, v + 1–3 digits): ids and dates vary, the shape of the API does not. */
export function pathShape(pathname: string): string {
  return pathname
    .split('/')
    .map((s) => (/[0-9]/.test(s) && !/^v[0-9]{1,3}$/i.test(s) ? '*' : s))
    .join('/')
    .slice(0, 2048);
}

function pathDigest(shape: string): string {
  return createHash('sha256').update(shape, 'utf8').digest('hex').slice(0, 32);
}

function learn(list: string[], value: string, max: number): void {
  if (list.includes(value)) return;
  list.push(value);
  if (list.length > max) list.splice(0, list.length - max);
}

function pad(h: number): string {
  return String(h).padStart(2, '0');
}
