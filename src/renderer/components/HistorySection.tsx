/**
 * An item's earlier secret values (docs/vault-format.md §5.4): the versions the engine
 * keeps, with their dates and field names. A value is fetched only when the person
 * reveals or copies it (audited in the engine as a reveal of a previous version) and
 * is dropped on hide and unmount; restoring a version makes a new version.
 */
import { useState } from 'react';
import type { FieldRef, HistoryEntry, ItemView } from '../../shared/items';
import { useEngine } from '../engine/context';
import { useClipboard } from './ClipboardProvider';
import { ErrorMessage } from './ErrorMessage';
import { useAction } from './useAction';

function PreviousValue({ itemId, version, field, name }: { itemId: string; version: number; field: FieldRef; name: string }) {
  const engine = useEngine();
  const clipboard = useClipboard();
  const [value, setValue] = useState<string | null>(null);
  const action = useAction();
  const fetchValue = async (purpose: 'reveal' | 'copy') => (await engine.call('item.revealPrevious', { id: itemId, version, field, purpose })).value;
  return (
    <div className="field" data-history-field={field}>
      <span className="field-label">{name}</span>
      <div className="field-value">
        {value === null ? (
          <span className="masked" aria-label={`Earlier ${name} hidden`}>
            ••••••••••••
          </span>
        ) : (
          <code className="revealed" data-testid="history-value">
            {value}
          </code>
        )}
        <span className="field-actions">
          {value === null ? (
            <button type="button" onClick={() => void action.run(async () => setValue(await fetchValue('reveal')))} disabled={action.busy} aria-label={`Reveal earlier ${name}`}>
              Reveal
            </button>
          ) : (
            <button type="button" onClick={() => setValue(null)} aria-label={`Hide earlier ${name}`}>
              Hide
            </button>
          )}
          <button
            type="button"
            onClick={() => void action.run(async () => clipboard.copySecret(`Earlier ${name}`, await fetchValue('copy')))}
            disabled={action.busy}
            aria-label={`Copy earlier ${name}`}
          >
            Copy
          </button>
        </span>
      </div>
      <ErrorMessage error={action.error} />
    </div>
  );
}

function Version({ item, entry }: { item: ItemView; entry: HistoryEntry }) {
  const engine = useEngine();
  const action = useAction();
  const names = entry.fields.map((f) => f.name).join(', ');
  return (
    <li className="history-version" data-testid="history-version">
      <div className="history-head">
        <span>
          Replaced {new Date(entry.at).toLocaleString()} <span className="muted">(version {entry.version})</span>
        </span>
        <button
          type="button"
          onClick={() => void action.run(() => engine.call('item.restorePrevious', { id: item.id, baseVersion: item.version, version: entry.version }))}
          disabled={action.busy}
          aria-label={`Restore ${names} from version ${entry.version}`}
          data-testid="history-restore"
        >
          Restore
        </button>
      </div>
      {entry.fields.map((f) => (
        <PreviousValue key={f.field} itemId={item.id} version={entry.version} field={f.field} name={f.name} />
      ))}
      <ErrorMessage error={action.error} />
    </li>
  );
}

export function HistorySection({ item }: { item: ItemView }) {
  const history = item.history ?? [];
  if (history.length === 0) return null;
  return (
    <section className="history" aria-labelledby={`history-${item.id}`} data-testid="item-history">
      <h3 id={`history-${item.id}`}>History</h3>
      <p className="muted small">Earlier values of this item's secrets, newest first. Restoring one keeps the current value here too.</p>
      <ol className="history-list">
        {history.map((h) => (
          <Version key={h.version} item={item} entry={h} />
        ))}
      </ol>
    </section>
  );
}
