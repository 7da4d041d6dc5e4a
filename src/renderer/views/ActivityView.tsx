/**
 * What happened in this vault, newest first: the device's signed audit log, read
 * through the engine worker, which verifies every record it returns (hash, signature,
 * chain link) — so what the person sees is what IT can verify from the server's
 * export. A log that does not verify is reported as such and nothing of it is shown.
 * No value is ever in an entry: records hold ids, origins and words of a fixed
 * vocabulary; names come from the vault (items) and the gateway (agents).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { AuditEntry, AuditRecentResult } from '../../shared/contracts/engine-audit';
import { AnomalyAlerts } from '../components/AnomalyAlerts';
import { ErrorMessage } from '../components/ErrorMessage';
import { useEngine, useEngineAudit } from '../engine/context';
import { useMain } from '../main-services';
import { saveFile } from '../save-file';
import { activityCsv, applyFilter, choices, isFiltered, NO_FILTER, PERIOD_LABELS, type ActivityFilter, type Period } from './activity-filter';
import { actionWords, outcomeWords, toolWords } from './activity-words';

const PAGE = 100;
/** The log grows from main (gateway) and the engine alike; re-read now and then too (ms). */
const REFRESH_MS = 15_000;

type Verified = Extract<AuditRecentResult, { state: 'verified' }>;

export function ActivityView() {
  const audit = useEngineAudit();
  const engine = useEngine();
  const main = useMain();
  const [latest, setLatest] = useState<AuditRecentResult | null>(null);
  // Older pages the person asked for; dropped if a refresh finds the log no longer verifies.
  const [older, setOlder] = useState<{ entries: AuditEntry[]; next: number | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [items, setItems] = useState<ReadonlyMap<string, string>>(new Map());
  const [agents, setAgents] = useState<ReadonlyMap<string, string>>(new Map());

  const refresh = useCallback(() => {
    audit.call('audit.recent', { limit: PAGE }).then(
      (r) => {
        setLatest(r);
        setError(null);
        if (r.state !== 'verified') setOlder(null);
      },
      (e: unknown) => setError(e),
    );
    // Trashed items are still named in the log (their records say what happened to them).
    Promise.all([engine.call('items.list', {}), engine.call('trash.list', {})]).then(
      ([live, trashed]) => setItems(new Map([...live.items, ...trashed.items].map((i) => [i.id, i.overview.title]))),
      () => undefined,
    );
    main?.gateway.call('agents.list', {}).then(
      (r) => setAgents(new Map(r.agents.map((a) => [a.id, a.name]))),
      () => undefined,
    );
  }, [audit, engine, main]);

  useEffect(() => {
    refresh();
    const t = setInterval(refresh, REFRESH_MS);
    // Every gateway use is signed before main announces it: a nudge to re-read.
    const offGateway = main?.gateway.on('activity', refresh);
    const offItems = engine.on('itemsChanged', refresh);
    return () => {
      clearInterval(t);
      offGateway?.();
      offItems();
    };
  }, [refresh, main, engine]);

  const loadOlder = (beforeSeq: number): void => {
    audit.call('audit.recent', { beforeSeq, limit: PAGE }).then(
      (r) => {
        if (r.state === 'verified') setOlder((prev) => ({ entries: [...(prev?.entries ?? []), ...r.entries], next: r.older }));
        else setLatest(r);
      },
      (e: unknown) => setError(e),
    );
  };

  return (
    <div className="settings">
      <h2>Activity</h2>
      {/* Alerts first: the unusual is what the person opens this page to find. */}
      <AnomalyAlerts />
      <ErrorMessage error={error} />
      {latest?.state === 'failed' && (
        <p className="error" role="alert" data-testid="activity-unverified">
          {latest.message}
        </p>
      )}
      {latest?.state === 'unavailable' && (
        <p className="muted" data-testid="activity-unavailable">
          {latest.message}
        </p>
      )}
      {latest?.state === 'verified' && <VerifiedLog log={latest} older={older} items={items} agents={agents} onOlder={loadOlder} />}
    </div>
  );
}

function VerifiedLog({
  log,
  older,
  items,
  agents,
  onOlder,
}: {
  log: Verified;
  older: { entries: AuditEntry[]; next: number | null } | null;
  items: ReadonlyMap<string, string>;
  agents: ReadonlyMap<string, string>;
  onOlder: (beforeSeq: number) => void;
}) {
  const [filter, setFilter] = useState<ActivityFilter>(NO_FILTER);
  // Older pages continue below the newest page only while they still join it.
  const tail = older !== null && log.entries.length > 0 && older.entries[0]?.seq === (log.entries.at(-1)?.seq ?? 0) - 1 ? older : null;
  const entries = useMemo(() => (tail === null ? log.entries : [...log.entries, ...tail.entries]), [log.entries, tail]);
  const next = tail === null ? log.older : tail.next;
  const shown = useMemo(() => applyFilter(entries, filter, Date.now()), [entries, filter]);
  const menus = useMemo(() => choices(entries), [entries]);
  if (entries.length === 0) return <p className="muted">Nothing has happened in this vault yet.</p>;
  const set = (patch: Partial<ActivityFilter>) => setFilter((f) => ({ ...f, ...patch }));
  const download = () => {
    const csv = activityCsv(shown, log.deviceId, { who: (e) => who(e, agents), details: (e) => details(e, items) });
    saveFile(`latchkey-activity-${new Date().toISOString().slice(0, 10)}.csv`, 'text/csv;charset=utf-8', csv);
  };
  return (
    <>
      <p className="muted" data-testid="activity-verified">
        {log.total} signed record{log.total === 1 ? '' : 's'} on this device (device {log.deviceId}); every one shown here was checked against its signature.
      </p>
      <div className="row filters" role="group" aria-label="Filter activity">
        <label>
          Who
          <select value={filter.who} onChange={(e) => set({ who: e.target.value })} data-testid="activity-filter-who">
            <option value="">Anyone</option>
            <option value="person">You</option>
            {menus.agents.map((id) => (
              <option key={id} value={id}>
                {agents.get(id) ?? `Agent ${id}`}
              </option>
            ))}
          </select>
        </label>
        <label>
          Credential
          <select value={filter.credential} onChange={(e) => set({ credential: e.target.value })} data-testid="activity-filter-credential">
            <option value="">Any</option>
            {menus.credentials.map((id) => (
              <option key={id} value={id}>
                {items.get(id) ?? 'A deleted item'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Outcome
          <select value={filter.outcome} onChange={(e) => set({ outcome: e.target.value as ActivityFilter['outcome'] })} data-testid="activity-filter-outcome">
            <option value="">Any</option>
            <option value="success">Allowed or done</option>
            <option value="denied">Refused</option>
            <option value="failure">Failed</option>
          </select>
        </label>
        <label>
          When
          <select value={filter.period} onChange={(e) => set({ period: e.target.value as Period })} data-testid="activity-filter-period">
            {(Object.keys(PERIOD_LABELS) as Period[]).map((p) => (
              <option key={p} value={p}>
                {PERIOD_LABELS[p]}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={download} disabled={shown.length === 0} data-testid="activity-csv">
          Download CSV
        </button>
      </div>
      {isFiltered(filter) && (
        <p className="muted" data-testid="activity-filtered">
          Showing {shown.length} of the {entries.length} latest entries.{next !== null ? ' Show older to look further back.' : ''}
        </p>
      )}
      <table className="grid activity" data-testid="activity">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What</th>
            <th>Details</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e) => (
            <tr key={e.seq} className={`outcome-${e.outcome}`} data-seq={e.seq}>
              <td>{new Date(e.time).toLocaleString()}</td>
              <td>{who(e, agents)}</td>
              <td>{actionWords(e)}</td>
              <td>{details(e, items)}</td>
              <td>{outcomeWords(e)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next !== null && (
        <button type="button" onClick={() => onOlder(next)} data-testid="activity-older">
          Show older
        </button>
      )}
    </>
  );
}

function who(e: AuditEntry, agents: ReadonlyMap<string, string>): string {
  if (e.actor.type === 'person') return 'You';
  if (e.actor.type === 'system') return 'Latchkey';
  const name = e.actor.id === undefined ? undefined : agents.get(e.actor.id);
  return name ?? `An agent (${e.actor.id ?? 'unknown'})`;
}

function details(e: AuditEntry, items: ReadonlyMap<string, string>): string {
  const t = e.target;
  if (t === undefined) return '—';
  const parts: string[] = [];
  if (t.itemId !== undefined) parts.push(items.get(t.itemId) ?? 'a deleted item');
  if (t.tool !== undefined) parts.push(t.tool === 'downstream' && t.server !== undefined ? `${t.serverTool ?? 'tools'} on ${t.server}` : toolWords(t.tool));
  if (t.command !== undefined) parts.push(t.command);
  if (t.origin !== undefined) parts.push(`to ${t.origin}`);
  if (t.field !== undefined) parts.push(`field ${t.field}`);
  if (t.deviceId !== undefined) parts.push(`device ${t.deviceId}`);
  if (t.budget !== undefined) parts.push(`budget: ${t.budget.replace(/_/g, ' ')}`);
  if (t.rule !== undefined) parts.push(`rule: ${t.rule.replace(/_/g, ' ')}`);
  return parts.length > 0 ? parts.join(' · ') : '—';
}
