/**
 * Trash: items deleted in the last TRASH_DAYS days, newest first, each with its
 * deletion date and the days it has left; Restore puts it back whole, Delete forever
 * and Empty trash remove records for good (each asks first). The engine purges expired
 * items itself (at unlock and on a timer); this page only shows what is left.
 */
import { useCallback, useEffect, useState } from 'react';
import { TRASH_DAYS, type ItemSummary } from '../../shared/items';
import { ErrorMessage } from '../components/ErrorMessage';
import { useAction } from '../components/useAction';
import { useEngine } from '../engine/context';
import { KIND_LABELS } from '../items/form-model';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days left before the purge, never below 0 (the purge may not have run yet). */
export function daysLeft(trashedAt: number, now: number): number {
  return Math.max(0, Math.ceil((trashedAt + TRASH_DAYS * DAY_MS - now) / DAY_MS));
}

function TrashRow({ item, now }: { item: ItemSummary; now: number }) {
  const engine = useEngine();
  const action = useAction();
  const [confirm, setConfirm] = useState(false);
  const at = item.overview.trashedAt ?? now;
  const left = daysLeft(at, now);
  const title = item.overview.title;
  return (
    <tr data-testid="trash-row">
      <td>
        <span className="item-title">{title}</span>
        <span className="muted small"> · {KIND_LABELS[item.overview.kind]}</span>
        <ErrorMessage error={action.error} />
      </td>
      <td>{new Date(at).toLocaleString()}</td>
      <td data-testid="trash-days-left">{left === 1 ? '1 day' : `${left} days`}</td>
      <td className="row-actions">
        <button
          type="button"
          onClick={() => void action.run(() => engine.call('trash.restore', { id: item.id }))}
          disabled={action.busy}
          aria-label={`Restore ${title}`}
          data-testid="trash-restore"
        >
          Restore
        </button>
        {confirm ? (
          <>
            <button
              type="button"
              className="danger"
              onClick={() => void action.run(() => engine.call('trash.delete', { id: item.id }))}
              disabled={action.busy}
              aria-label={`Delete ${title} forever`}
              data-testid="trash-delete-confirm"
            >
              Delete forever
            </button>
            <button type="button" onClick={() => setConfirm(false)} aria-label={`Keep ${title} in the trash`}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="danger-link" onClick={() => setConfirm(true)} aria-label={`Delete ${title} forever…`} data-testid="trash-delete">
            Delete forever…
          </button>
        )}
      </td>
    </tr>
  );
}

export function TrashView() {
  const engine = useEngine();
  const [items, setItems] = useState<ItemSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [now, setNow] = useState(() => Date.now());
  const [confirmEmpty, setConfirmEmpty] = useState(false);
  const empty = useAction();

  const refresh = useCallback(async () => {
    try {
      setItems((await engine.call('trash.list', {})).items);
      setNow(Date.now());
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [engine]);
  useEffect(() => {
    void refresh();
    return engine.on('itemsChanged', () => void refresh());
  }, [engine, refresh]);

  const emptyAll = () =>
    void empty.run(async () => {
      await engine.call('trash.empty', {});
      setConfirmEmpty(false);
    });

  return (
    <div className="settings">
      <section className="card wide trash" aria-labelledby="trash-title" data-testid="trash">
        <div className="row spread">
          <h2 id="trash-title">Trash</h2>
          {items !== null && items.length > 0 && (
            <div className="row">
              {confirmEmpty ? (
                <>
                  <span role="status">{items.length === 1 ? 'Delete the item in the trash forever?' : `Delete all ${items.length} items forever?`}</span>
                  <button type="button" className="danger" onClick={emptyAll} disabled={empty.busy} data-testid="trash-empty-confirm">
                    Empty trash
                  </button>
                  <button type="button" onClick={() => setConfirmEmpty(false)}>
                    Keep
                  </button>
                </>
              ) : (
                <button type="button" className="danger-link" onClick={() => setConfirmEmpty(true)} data-testid="trash-empty">
                  Empty trash…
                </button>
              )}
            </div>
          )}
        </div>
        <p className="muted">Deleted items stay here for {TRASH_DAYS} days, then they are deleted for good. Agents cannot see or use them.</p>
        <ErrorMessage error={error ?? empty.error} />
        {items !== null && items.length === 0 && <p className="muted empty">The trash is empty.</p>}
        {items !== null && items.length > 0 && (
          <table className="grid" aria-label="Items in the trash">
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Deleted</th>
                <th scope="col">Days left</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((it) => (
                <TrashRow key={it.id} item={it} now={now} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
