/**
 * Budgets of one agent's grants (docs/gateway.md §14): uses per hour and per day,
 * response bytes per hour and per day, and the methods allowed. Shows what is used of
 * each now and the budget that applies once the organisation's floor is taken in
 * (policy can only make a budget stricter). An empty field sets no limit.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Budget } from '../../shared/budgets';
import type { GrantBudget } from '../../shared/contracts/gateway';
import { useMain } from '../main-services';
import { ErrorMessage } from './ErrorMessage';

const FIGURES = [
  { key: 'usesPerHour', label: 'Uses an hour', used: 'usesHour' },
  { key: 'usesPerDay', label: 'Uses a day', used: 'usesDay' },
  { key: 'bytesPerHour', label: 'Response bytes an hour', used: 'bytesHour' },
  { key: 'bytesPerDay', label: 'Response bytes a day', used: 'bytesDay' },
] as const;

export function BudgetEditor({ agentId, disabled, names }: { agentId: string; disabled: boolean; names: ReadonlyMap<string, string> }) {
  const main = useMain();
  const [rows, setRows] = useState<GrantBudget[]>([]);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    if (main === null) return;
    try {
      setRows((await main.gateway.call('budgets.get', { agentId })).budgets);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [main, agentId]);
  useEffect(() => {
    void load();
  }, [load]);
  if (main === null || rows.length === 0) return null;
  const save = async (itemId: string, budget: Budget | null) => {
    try {
      await main.gateway.call('budgets.set', { agentId, itemId, budget });
      await load();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <h3>Budgets</h3>
      <p className="muted">A use beyond a budget asks you again (or is refused, if your organisation says so). Leave a field empty for no limit.</p>
      <ErrorMessage error={error} />
      {rows.map((r) => (
        <BudgetRow key={r.itemId} row={r} name={names.get(r.itemId) ?? r.itemId} disabled={disabled} onSave={(b) => void save(r.itemId, b)} />
      ))}
    </div>
  );
}

function BudgetRow({ row, name, disabled, onSave }: { row: GrantBudget; name: string; disabled: boolean; onSave: (b: Budget | null) => void }) {
  const initial = (k: (typeof FIGURES)[number]['key']) => (row.budget?.[k] !== undefined ? String(row.budget[k]) : '');
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(FIGURES.map((f) => [f.key, initial(f.key)])));
  const [methods, setMethods] = useState(row.budget?.methods?.join(', ') ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = () => {
    const out: Budget = {};
    for (const f of FIGURES) {
      const v = values[f.key]!.trim();
      if (v === '') continue;
      if (!/^\d{1,13}$/.test(v)) return setProblem(`${f.label}: a whole number, 0 or more.`);
      out[f.key] = Number(v);
    }
    const list = methods
      .split(/[\s,]+/)
      .map((m) => m.trim().toUpperCase())
      .filter((m) => m !== '');
    if (list.some((m) => !/^[A-Z]{1,16}$/.test(m))) return setProblem('Methods: names such as GET, POST, separated by commas.');
    if (list.length > 0) out.methods = [...new Set(list)];
    setProblem(null);
    onSave(Object.keys(out).length > 0 ? out : null);
  };
  return (
    <fieldset className="budget" data-testid="budget" data-item={row.itemId}>
      <legend>{name}</legend>
      {FIGURES.map((f) => (
        <label key={f.key}>
          {f.label}
          <input
            inputMode="numeric"
            value={values[f.key]}
            disabled={disabled}
            aria-label={`${f.label} for ${name}`}
            onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
          />
          <span className="muted">
            {row.usage[f.used]} used
            {row.effective[f.key] !== undefined && row.effective[f.key] !== row.budget?.[f.key] ? ` · applies: ${row.effective[f.key]} (your organisation)` : ''}
          </span>
        </label>
      ))}
      <label>
        Methods
        <input value={methods} disabled={disabled} placeholder="any" aria-label={`Methods for ${name}`} onChange={(e) => setMethods(e.target.value)} />
        {row.effective.methods !== undefined && <span className="muted">applies: {row.effective.methods.length > 0 ? row.effective.methods.join(', ') : 'none'}</span>}
      </label>
      {problem !== null && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <div className="row">
        <button type="button" disabled={disabled} onClick={submit} data-testid="budget-save">
          Save budget
        </button>
      </div>
    </fieldset>
  );
}
