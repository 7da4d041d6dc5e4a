/**
 * Budgets per grant (agent × credential): uses per hour and per day, response bytes per
 * hour and per day, allowed methods (docs/gateway.md §14). The person sets a grant's
 * budget; policy's `budgets` floor applies to every grant and can only make it
 * stricter: each figure is the smaller of the two, methods the intersection.
 *
 * Windows slide, at minute granularity: usage is counted in one-minute buckets (UTC
 * minute = floor(ms / 60000)); at time t in minute m, the hour window holds the buckets
 * m-59 … m and the day window m-1439 … m. A use therefore stops counting within a
 * minute of an hour (a day) after it was made — never later, and never at a boundary
 * where a whole hour's allowance returns at once (the double burst of fixed windows).
 *
 * Uses count when released (authorize.ts commits the gate); bytes when the response is
 * read (http_request). So a response that crosses the bytes budget is still returned,
 * and the NEXT use is beyond it. Counters persist in the gateway state file.
 */
import { managedValue } from '../../core/policy';
import type { Budget, BudgetKind } from '../../shared/budgets';
import { budgetSchema } from '../../shared/budgets';
import { LatchkeyError } from '../../shared/errors';
import { DAY_MINUTES, type GuardStateHolder, type StoredUsage } from './guard-state';
import type { PolicySource } from './ports';

const HOUR_MINUTES = 60;

export interface BudgetUsage {
  readonly usesHour: number;
  readonly usesDay: number;
  readonly bytesHour: number;
  readonly bytesDay: number;
}

export interface Exceeded {
  readonly kind: BudgetKind;
  /** Plain words for the agent and the prompt: which budget, its limit, and who set it. */
  readonly message: string;
}

export class Budgets {
  private readonly usageIndex = new Map<string, StoredUsage>();

  constructor(
    private readonly holder: GuardStateHolder,
    private readonly policy: PolicySource,
    private readonly now: () => number,
  ) {
    for (const u of holder.guards().usage) if (!this.usageIndex.has(key(u.agentId, u.itemId))) this.usageIndex.set(key(u.agentId, u.itemId), u);
  }

  /** The person's budget of this grant, or null (none set). */
  get(agentId: string, itemId: string): Budget | null {
    return this.holder.guards().budgets.find((b) => b.agentId === agentId && b.itemId === itemId)?.budget ?? null;
  }

  /** Sets (or with null, removes) the person's budget of a grant; parsed, saved at once. */
  async set(agentId: string, itemId: string, budget: Budget | null): Promise<void> {
    const g = this.holder.guards();
    g.budgets = g.budgets.filter((b) => !(b.agentId === agentId && b.itemId === itemId));
    if (budget !== null) {
      const parsed = budgetSchema.parse(budget);
      if (Object.keys(parsed).length > 0) g.budgets.push({ agentId, itemId, budget: parsed });
    }
    await this.holder.saveGuards();
  }

  /** Policy's floor (the budget fields of policy `budgets`); {} when it sets none. */
  floor(): Budget {
    const { onExceeded: _action, ...floor } = this.policy().policy?.budgets ?? {};
    return floor;
  }

  /** The budget that applies: the person's, made stricter by policy's floor. */
  effective(agentId: string, itemId: string): Budget {
    return stricter(this.get(agentId, itemId) ?? {}, this.floor());
  }

  usage(agentId: string, itemId: string): BudgetUsage {
    const m = minute(this.now());
    const u = this.usageIndex.get(key(agentId, itemId));
    let usesHour = 0;
    let usesDay = 0;
    let bytesHour = 0;
    let bytesDay = 0;
    for (const [at, uses, bytes] of u?.minutes ?? []) {
      if (at <= m - DAY_MINUTES || at > m) continue;
      usesDay += uses;
      bytesDay += bytes;
      if (at > m - HOUR_MINUTES) {
        usesHour += uses;
        bytesHour += bytes;
      }
    }
    return { usesHour, usesDay, bytesHour, bytesDay };
  }

  /** The first budget this use would go beyond (methods, uses/hour, uses/day, bytes/hour, bytes/day), or null. */
  check(agentId: string, itemId: string, method: string | undefined): Exceeded | null {
    const person = this.get(agentId, itemId) ?? {};
    const floor = this.floor();
    const b = stricter(person, floor);
    const by = (k: keyof Budget): string =>
      floor[k] !== undefined && (person[k] === undefined || JSON.stringify(b[k]) !== JSON.stringify(person[k])) ? 'your organisation’s policy' : 'the person';
    if (b.methods !== undefined && (method === undefined || !b.methods.includes(method))) {
      const allowed = b.methods.length === 0 ? 'no method at all' : `only ${b.methods.join(', ')}`;
      return {
        kind: 'methods',
        message: `This use is beyond the budget set by ${by('methods')}: this agent may use this credential with ${allowed}, and this is ${method === undefined ? 'a use without an HTTP method' : `a ${method}`}.`,
      };
    }
    const u = this.usage(agentId, itemId);
    const uses = (limit: number | undefined, used: number, kind: BudgetKind, per: string, k: keyof Budget): Exceeded | null =>
      limit !== undefined && used + 1 > limit
        ? {
            kind,
            message: `This use is beyond the budget set by ${by(k)}: at most ${limit} use${limit === 1 ? '' : 's'} ${per} (${used} in the last ${per === 'an hour' ? 'hour' : '24 hours'}).`,
          }
        : null;
    const bytes = (limit: number | undefined, used: number, kind: BudgetKind, per: string, k: keyof Budget): Exceeded | null =>
      limit !== undefined && used >= limit
        ? {
            kind,
            message: `This use is beyond the budget set by ${by(k)}: at most ${limit} bytes of responses ${per} (${used} returned in the last ${per === 'an hour' ? 'hour' : '24 hours'}).`,
          }
        : null;
    return (
      uses(b.usesPerHour, u.usesHour, 'uses_per_hour', 'an hour', 'usesPerHour') ??
      uses(b.usesPerDay, u.usesDay, 'uses_per_day', 'a day', 'usesPerDay') ??
      bytes(b.bytesPerHour, u.bytesHour, 'bytes_per_hour', 'an hour', 'bytesPerHour') ??
      bytes(b.bytesPerDay, u.bytesDay, 'bytes_per_day', 'a day', 'bytesPerDay')
    );
  }

  /** Policy `budgets.onExceeded`: refuse, or (default) ask the person again. */
  refuses(): boolean {
    return managedValue(this.policy(), 'budgets.onExceeded') === 'refuse';
  }

  /** A released use. */
  noteUse(agentId: string, itemId: string): void {
    this.add(agentId, itemId, 1, 0);
  }

  /** Response body bytes returned for a released use (counted as read, before scrubbing). */
  noteBytes(agentId: string, itemId: string, n: number): void {
    if (n > 0) this.add(agentId, itemId, 0, n);
  }

  private add(agentId: string, itemId: string, uses: number, bytes: number): void {
    const m = minute(this.now());
    let u = this.usageIndex.get(key(agentId, itemId));
    if (u === undefined) {
      u = { agentId, itemId, minutes: [] };
      this.usageIndex.set(key(agentId, itemId), u);
      this.holder.guards().usage.push(u);
    }
    // Buckets older than the day window can never count again.
    u.minutes = u.minutes.filter(([at]) => at > m - DAY_MINUTES);
    const last = u.minutes[u.minutes.length - 1];
    if (last !== undefined && last[0] === m) {
      last[1] += uses;
      last[2] = Math.min(Number.MAX_SAFE_INTEGER, last[2] + bytes);
    } else {
      u.minutes.push([m, uses, bytes]);
    }
    this.holder.saveGuardsSoon();
  }
}

/** Each figure the smaller one, methods the intersection: never looser than either. */
export function stricter(a: Budget, b: Budget): Budget {
  const out: Budget = {};
  for (const f of ['usesPerHour', 'usesPerDay', 'bytesPerHour', 'bytesPerDay'] as const) {
    const x = a[f];
    const y = b[f];
    if (x !== undefined || y !== undefined) out[f] = Math.min(x ?? Infinity, y ?? Infinity);
  }
  if (a.methods !== undefined && b.methods !== undefined) out.methods = a.methods.filter((m) => b.methods!.includes(m));
  else if (a.methods !== undefined || b.methods !== undefined) out.methods = [...(a.methods ?? b.methods ?? [])];
  return out;
}

/** The RPC's budget, parsed, with a message a person can act on. */
export function assertBudgetShape(budget: unknown): Budget {
  const parsed = budgetSchema.safeParse(budget);
  if (!parsed.success) throw new LatchkeyError('invalid_input', 'That budget is not valid: use whole numbers of uses or bytes (0 or more) and upper-case HTTP methods.');
  return parsed.data;
}

function minute(t: number): number {
  return Math.floor(t / 60_000);
}

function key(agentId: string, itemId: string): string {
  return `${agentId}/${itemId}`;
}
