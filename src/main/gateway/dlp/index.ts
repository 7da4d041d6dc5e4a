/**
 * DLP on agent-bound output (issue 10 item 4, docs/gateway.md "DLP"): secrets that are
 * not in the vault (secretlint's recommended preset, and JWTs) and personal data (card
 * numbers, IBANs, e-mail addresses, phone numbers) in a result going to an agent. Runs
 * after the vault-wide scrub, on the same texts. Each category has its own action from
 * policy `dlp` (src/shared/policy.ts): `redact` replaces the match with a marker naming
 * the category, `warn` passes it and annotates the result, `block` withholds the whole
 * result, `off` skips the category. The findings name categories and rule ids only.
 */
import { managedValue } from '../../../core/policy';
import { DLP_CATEGORIES, type DlpAction, type DlpCategory, type EffectivePolicy } from '../../../shared/policy';
import { findCards, findEmails, findIbans, findJwts, findPhones, type DlpFinding } from './patterns';
import { findWithSecretlint } from './secretlint';

export type { DlpFinding } from './patterns';

/** Defaults when policy leaves a category open: secrets and payment data redacted, contact data flagged. */
export const DLP_DEFAULTS: Readonly<Record<DlpCategory, DlpAction>> = { secrets: 'redact', cards: 'redact', iban: 'redact', email: 'warn', phone: 'warn' };

export function dlpActions(policy: EffectivePolicy): Record<DlpCategory, DlpAction> {
  const out = { ...DLP_DEFAULTS };
  for (const c of DLP_CATEGORIES) {
    const v = managedValue(policy, `dlp.${c}`);
    if (typeof v === 'string') out[c] = v as DlpAction;
  }
  return out;
}

export const dlpMarker = (category: DlpCategory): string => `[REDACTED by Latchkey DLP: ${category}]`;

/** Every finding in `text` for the categories that are not off, in order, overlaps merged to the first. */
export async function findDlp(text: string, actions: Readonly<Record<DlpCategory, DlpAction>>): Promise<DlpFinding[]> {
  const all: DlpFinding[] = [];
  if (actions.secrets !== 'off') all.push(...(await findWithSecretlint(text)), ...findJwts(text));
  if (actions.cards !== 'off') all.push(...findCards(text));
  if (actions.iban !== 'off') all.push(...findIbans(text));
  if (actions.email !== 'off') all.push(...findEmails(text));
  if (actions.phone !== 'off') all.push(...findPhones(text));
  all.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: DlpFinding[] = [];
  for (const f of all) {
    const last = out[out.length - 1];
    if (last && f.start < last.end) continue;
    out.push(f);
  }
  return out;
}

export interface DlpResult {
  /** The texts with `redact` findings replaced (unchanged otherwise). */
  readonly texts: string[];
  /** One per distinct (category, rule, action) found: what the audit log and the annotation name. */
  readonly findings: ReadonlyArray<{ readonly category: DlpCategory; readonly rule: string; readonly action: Exclude<DlpAction, 'off'> }>;
  /** Some `block` category was found: the caller withholds the result. */
  readonly blocked: boolean;
}

/**
 * Between texts in the one document a result is scanned as: no pattern matches across
 * it (NUL and line breaks end every pattern here and every secretlint rule's token).
 */
const JOIN = '\n\u0000\n';

export async function applyDlp(texts: readonly string[], actions: Readonly<Record<DlpCategory, DlpAction>>): Promise<DlpResult> {
  const seen = new Map<string, { category: DlpCategory; rule: string; action: Exclude<DlpAction, 'off'> }>();
  let blocked = false;
  const out: string[] = [];
  // ONE scan of the whole result (a downstream result can be thousands of short strings:
  // one secretlint run each would cost far more than the scan), findings mapped back.
  const starts: number[] = [];
  let at = 0;
  for (const t of texts) {
    starts.push(at);
    at += t.length + JOIN.length;
  }
  const joined = texts.join(JOIN);
  const all = joined.length === 0 ? [] : await findDlp(joined, actions);
  const byText: DlpFinding[][] = texts.map(() => []);
  for (const f of all) {
    // The text holding the start: the last whose start is <= f.start.
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= f.start) lo = mid;
      else hi = mid - 1;
    }
    const base = starts[lo]!;
    if (f.end - base <= texts[lo]!.length) byText[lo]!.push({ ...f, start: f.start - base, end: f.end - base });
  }
  for (let t = 0; t < texts.length; t++) {
    const text = texts[t]!;
    const found = byText[t]!;
    let pos = 0;
    let rebuilt = '';
    for (const f of found) {
      const action = actions[f.category] as Exclude<DlpAction, 'off'>;
      seen.set(`${f.category}\n${f.rule}\n${action}`, { category: f.category, rule: f.rule, action });
      if (action === 'block') blocked = true;
      if (action === 'redact') {
        rebuilt += text.slice(pos, f.start) + dlpMarker(f.category);
        pos = f.end;
      }
    }
    out.push(pos === 0 ? text : rebuilt + text.slice(pos));
  }
  return { texts: out, findings: [...seen.values()], blocked };
}
