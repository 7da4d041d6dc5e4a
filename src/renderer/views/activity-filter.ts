/**
 * The Activity page's filters and its CSV download, as pure functions over the entries
 * the engine verified. Filters narrow what is loaded (newest first, page by page); the
 * CSV holds exactly the rows shown, in the page's plain words, plus the record's own
 * device and seq so a row can be found in IT's export.
 */
import type { AuditEntry } from '../../shared/contracts/engine-audit';
import { csvRow } from '../../shared/encoding/csv';
import { actionWords, outcomeWords } from './activity-words';

export type Period = 'all' | 'day' | 'week' | 'month';
export const PERIOD_LABELS: Record<Period, string> = { all: 'Any time', day: 'Last 24 hours', week: 'Last 7 days', month: 'Last 30 days' };
const PERIOD_MS: Record<Exclude<Period, 'all'>, number> = { day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 };

export interface ActivityFilter {
  /** An agent id, 'person' (you), or '' for anyone. */
  readonly who: string;
  /** An item id, or '' for any. */
  readonly credential: string;
  readonly outcome: '' | AuditEntry['outcome'];
  readonly period: Period;
}

export const NO_FILTER: ActivityFilter = { who: '', credential: '', outcome: '', period: 'all' };

export function isFiltered(f: ActivityFilter): boolean {
  return f.who !== '' || f.credential !== '' || f.outcome !== '' || f.period !== 'all';
}

export function applyFilter(entries: readonly AuditEntry[], f: ActivityFilter, now: number): AuditEntry[] {
  const since = f.period === 'all' ? undefined : now - PERIOD_MS[f.period];
  return entries.filter(
    (e) =>
      (f.who === '' || (f.who === 'person' ? e.actor.type === 'person' : e.actor.type === 'agent' && e.actor.id === f.who)) &&
      (f.credential === '' || e.target?.itemId === f.credential) &&
      (f.outcome === '' || e.outcome === f.outcome) &&
      (since === undefined || Date.parse(e.time) >= since),
  );
}

/** Agents and credentials that appear in the loaded entries, for the filter menus. */
export function choices(entries: readonly AuditEntry[]): { agents: string[]; credentials: string[] } {
  const agents = new Set<string>();
  const credentials = new Set<string>();
  for (const e of entries) {
    if (e.actor.type === 'agent' && e.actor.id !== undefined) agents.add(e.actor.id);
    if (e.target?.itemId !== undefined) credentials.add(e.target.itemId);
  }
  return { agents: [...agents], credentials: [...credentials] };
}

export interface Namer {
  who(e: AuditEntry): string;
  details(e: AuditEntry): string;
}

/** `deviceId`: the device whose log this is (every entry's records are its own). */
export function activityCsv(entries: readonly AuditEntry[], deviceId: string, name: Namer): string {
  const rows = [csvRow(['When (UTC)', 'Who', 'What', 'Details', 'Outcome', 'Device', 'Seq'])];
  for (const e of entries) rows.push(csvRow([e.time, name.who(e), actionWords(e), name.details(e), outcomeWords(e), deviceId, e.seq]));
  return rows.join('\r\n') + '\r\n';
}
