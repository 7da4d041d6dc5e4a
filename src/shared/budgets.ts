/**
 * Budgets and anomaly rules, defined once for the gateway, policy, the audit record
 * schema and the UI (docs/gateway.md §14 "Budgets", §15 "Anomaly alerts"). Compiles
 * under the core tsconfig: no Node, no DOM.
 */
import { z } from 'zod';

/** Which budget a use went beyond; the audit record's `target.budget` (docs/audit-format.md §1.1a). */
export const BUDGET_KINDS = ['uses_per_hour', 'uses_per_day', 'bytes_per_hour', 'bytes_per_day', 'methods'] as const;
export type BudgetKind = (typeof BUDGET_KINDS)[number];

/** Which anomaly rule raised an alert; the audit record's `target.rule`. */
export const ANOMALY_RULES = ['new_destination', 'new_method', 'new_path', 'burst', 'unusual_hours', 'placeholder_refused', 'canary'] as const;
export type AnomalyRule = (typeof ANOMALY_RULES)[number];

/** Largest count or byte figure a budget holds (2^40: a TiB; well inside a safe integer). */
const MAX_FIGURE = 2 ** 40;
const figure = z.number().int().min(0).max(MAX_FIGURE);

/** An HTTP method as our tools send it (the audit record's method token). */
export const budgetMethodSchema = z.string().regex(/^[A-Z]{1,16}$/, 'an upper-case HTTP method such as GET');

const budgetFields = {
  /** Uses released in the sliding hour; 0 = every use is beyond it. */
  usesPerHour: figure.optional(),
  usesPerDay: figure.optional(),
  /** Response body bytes returned (http_request) in the sliding hour. */
  bytesPerHour: figure.optional(),
  bytesPerDay: figure.optional(),
  /** The only methods a use may have; a use without a method (run_command, downstream) is beyond it. */
  methods: z
    .array(budgetMethodSchema)
    .max(16)
    .refine((m) => new Set(m).size === m.length, { error: 'each method once' })
    .optional(),
};

/** A budget of one grant (agent × credential), or policy's floor; an absent field sets no limit. */
export const budgetSchema = z.strictObject(budgetFields);
export type Budget = z.infer<typeof budgetSchema>;

/** What happens to a use beyond its budget: the person is asked again (default), or it is refused. */
export const BUDGET_EXCEEDED_ACTIONS = ['ask', 'refuse'] as const;

/** Policy's `budgets` section: a floor for every grant, and what a use beyond it does. */
export const budgetPolicySchema = z.strictObject({ ...budgetFields, onExceeded: z.enum(BUDGET_EXCEEDED_ACTIONS).optional() });

/**
 * The person's usual hours, in the device's local time: `from` inclusive, `to`
 * exclusive, whole hours. `from` > `to` wraps past midnight (22 → 6); equal is refused.
 */
export const usualHoursSchema = z
  .strictObject({ from: z.number().int().min(0).max(23), to: z.number().int().min(0).max(24) })
  .refine((h) => h.from !== h.to % 24, { error: 'from and to must differ (a window of 24 hours has no unusual hour)' });
export type UsualHours = z.infer<typeof usualHoursSchema>;

/** Policy's `anomalies` section. */
export const anomalyPolicySchema = z.strictObject({
  /** Rules whose alert also makes the use ask the person afresh, whatever the grant. */
  requireApproval: z
    .array(z.enum(ANOMALY_RULES))
    .max(ANOMALY_RULES.length)
    .refine((r) => new Set(r).size === r.length, { error: 'each rule once' })
    .optional(),
  /** Set: these are the usual hours (instead of the learned ones). */
  usualHours: usualHoursSchema.optional(),
});
