/**
 * The budget and anomaly checks of one agent's credential use, as authorize.ts sees
 * them: one call before approval, which refuses (a budget, when policy says refuse),
 * or says the person must be asked afresh and why; `commit` once the secret is out.
 * A use asked afresh is asked even under a standing grant, and the answer counts for
 * this use only ("allow always" does not lift a budget or silence a rule).
 */
import type { AnomalyRule, BudgetKind } from '../../shared/budgets';
import { LatchkeyError } from '../../shared/errors';
import type { Anomalies, AnomalyUse } from './anomalies';
import type { Budgets } from './budgets';

/** What the use's audit records say about the guards (target.budget, target.rule). */
export interface GuardFacts {
  readonly budget?: BudgetKind;
  readonly rule?: AnomalyRule;
}

export interface UseGate {
  /** Set: ask the person afresh, with this text in the prompt. */
  readonly warning: string | null;
  readonly facts: GuardFacts;
  /** The person allowed it. */
  approvedAgain(): void;
  /** The secret was released for this use. */
  commit(): void;
}

export interface UseGuards {
  /** The anomaly rules read the same facts: a use is handed to them unchanged. */
  check(use: AnomalyUse): Promise<UseGate>;
  readonly budgets: Budgets;
  readonly anomalies: Anomalies;
}

/** The prompt's warning field holds at most this many characters (PendingApproval.warning). */
const WARNING_MAX = 300;

export function createUseGuards(budgets: Budgets, anomalies: Anomalies): UseGuards {
  return {
    budgets,
    anomalies,
    async check(use) {
      const over = budgets.check(use.agentId, use.itemId, use.method);
      // Refused by policy before an alert is raised or the person is asked.
      if (over !== null && budgets.refuses()) throw new LatchkeyError('budget_exceeded', over.message, { budget: over.kind });
      const found = await anomalies.check(use);
      const words = [over?.message, ...found.ask.map((a) => `${a.message} Policy asks for your approval of this use.`)].filter((w) => w !== undefined);
      // The release record names a rule only when the rule made this use ask (the alert has its own record).
      const firstRule = found.ask[0]?.rule;
      const facts: GuardFacts = { ...(over !== null ? { budget: over.kind } : {}), ...(firstRule !== undefined ? { rule: firstRule } : {}) };
      return {
        warning: words.length === 0 ? null : truncate(words.join(' ')),
        facts,
        approvedAgain: () => anomalies.approvedAgain(use.agentId),
        commit: () => {
          budgets.noteUse(use.agentId, use.itemId);
          anomalies.commit(use);
        },
      };
    },
  };
}

function truncate(s: string): string {
  return s.length <= WARNING_MAX ? s : `${s.slice(0, WARNING_MAX - 1)}…`;
}

/** The guard facts a refusal carries (LatchkeyError details), for its audit record. */
export function guardFactsOf(err: unknown): GuardFacts {
  if (!(err instanceof LatchkeyError) || err.details === undefined) return {};
  const { budget, rule } = err.details;
  return { ...(typeof budget === 'string' ? { budget: budget as BudgetKind } : {}), ...(typeof rule === 'string' ? { rule: rule as AnomalyRule } : {}) };
}
