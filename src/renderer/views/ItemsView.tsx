/**
 * The vault: search box and list on the left, the selected item (or the editor) on
 * the right. Search runs in the engine over the overviews it decrypted at unlock, so
 * each keystroke is one in-memory query; stale answers are dropped by sequence.
 * Shortcuts (keyboard/shortcuts.ts): / search, N new, U / P copy the selected item's
 * username / password or secret.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ITEM_KINDS, type ItemKind, type ItemSummary, type ItemView } from '../../shared/items';
import { useClipboard } from '../components/ClipboardProvider';
import { ErrorMessage } from '../components/ErrorMessage';
import { ItemDetail } from '../components/ItemDetail';
import { ItemEditor } from '../components/ItemEditor';
import { useAction } from '../components/useAction';
import { useEngine } from '../engine/context';
import { KIND_LABELS } from '../items/form-model';
import { LIST_STEP, shownRows } from '../items/list-window';
import { useShortcut } from '../keyboard/useShortcut';

const CHANGE_COALESCE_MS = 50;

type Pane = { mode: 'none' } | { mode: 'view'; id: string } | { mode: 'edit'; item: ItemView } | { mode: 'new'; kind: ItemKind };

/** What "copy password" (P) copies for each kind; a note has nothing to copy. */
const SECRET_FIELD: Record<ItemKind, 'password' | 'secret' | 'privateKey' | null> = { login: 'password', api_credential: 'secret', ssh_key: 'privateKey', secure_note: null };

/** Letter badges (no emoji: the fonts on a locked-down machine may lack them). */
const KIND_ICONS: Record<ItemKind, string> = { login: 'L', api_credential: 'A', ssh_key: 'S', secure_note: 'N' };

export function ItemsView() {
  const engine = useEngine();
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<ItemSummary[]>([]);
  const [shown, setShown] = useState(LIST_STEP);
  /** How many items the list has; the page holds only the first `shown` of them. */
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [pane, setPane] = useState<Pane>({ mode: 'none' });
  const [reloadKey, setReloadKey] = useState(0);
  const [newKind, setNewKind] = useState<ItemKind>('login');
  const seq = useRef(0);

  // Only the rows shown are asked for (a 100k list is seconds of cloning and
  // validating here); "Show more" asks again for a longer window.
  const refresh = useCallback(
    async (q: string, want: number) => {
      const mine = ++seq.current;
      try {
        const r =
          q.trim() === '' ? await engine.call('items.list', { limit: want }) : { ...(await engine.call('items.search', { query: q.trim(), limit: 500 })), total: undefined };
        if (mine === seq.current) {
          setItems(r.items);
          setTotal(r.total ?? r.items.length);
          setError(null);
        }
      } catch (e) {
        if (mine === seq.current) setError(e);
      }
    },
    [engine],
  );

  useEffect(() => {
    void refresh(query, shown);
  }, [query, shown, refresh]);
  // Bulk changes (import, rotation, sync) arrive as bursts of events: refresh once per burst.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = engine.on('itemsChanged', () => {
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        void refresh(query, shown);
        setReloadKey((k) => k + 1);
      }, CHANGE_COALESCE_MS);
    });
    return () => {
      off();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [engine, query, shown, refresh]);

  const rows = shownRows(total, shown);
  const selectedId = pane.mode === 'view' ? pane.id : pane.mode === 'edit' ? pane.item.id : null;
  const search = useRef<HTMLInputElement>(null);
  const clipboard = useClipboard();
  const shortcut = useAction();
  useShortcut('search', () => search.current?.focus());
  useShortcut('new', () => setPane({ mode: 'new', kind: newKind }));
  useShortcut('copy-username', () => {
    const it = items.find((x) => x.id === selectedId);
    if (it?.overview.username) void shortcut.run(() => clipboard.copySecret('Username', it.overview.username!));
  });
  useShortcut('copy-password', () => {
    const it = items.find((x) => x.id === selectedId);
    const field = it === undefined ? null : SECRET_FIELD[it.overview.kind];
    if (it === undefined || field === null) return;
    void shortcut.run(async () => {
      const r = await engine.call('item.reveal', { id: it.id, field, purpose: 'copy' });
      await clipboard.copySecret(field === 'password' ? 'Password' : 'Secret', r.value);
    });
  });

  return (
    <div className="items-layout">
      <aside className="item-list">
        <input
          ref={search}
          type="search"
          placeholder="Search"
          aria-label="Search items"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setShown(LIST_STEP);
          }}
          data-testid="search"
        />
        <div className="row new-item">
          <select value={newKind} onChange={(e) => setNewKind(e.target.value as ItemKind)} aria-label="Kind of new item" data-testid="new-kind">
            {ITEM_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
          <button type="button" className="primary" onClick={() => setPane({ mode: 'new', kind: newKind })} data-testid="new-item">
            New
          </button>
        </div>
        <ErrorMessage error={error ?? shortcut.error} />
        <ul role="listbox" aria-label="Items" data-testid="item-list">
          {items.slice(0, rows.count).map((it) => (
            <li
              key={it.id}
              role="option"
              aria-selected={it.id === selectedId}
              className={it.id === selectedId ? 'selected' : undefined}
              onClick={() => setPane({ mode: 'view', id: it.id })}
              data-testid="item-row"
            >
              <span className={`kind-icon kind-${it.overview.kind}`} aria-hidden="true">
                {KIND_ICONS[it.overview.kind]}
              </span>
              <span className="item-text">
                <span className="item-title">{it.overview.title}</span>
                <span className="item-sub">{it.overview.username ?? it.overview.description ?? KIND_LABELS[it.overview.kind]}</span>
              </span>
            </li>
          ))}
          {items.length === 0 && <li className="muted empty">{query ? 'Nothing matches.' : 'No items yet.'}</li>}
          {rows.more > 0 && (
            <li className="muted">
              <button type="button" onClick={() => setShown(rows.count + LIST_STEP)} data-testid="show-more-items">
                Show {rows.more.toLocaleString()} more ({rows.count.toLocaleString()} of {total.toLocaleString()} shown)
              </button>
            </li>
          )}
        </ul>
      </aside>
      <div className="item-pane">
        {pane.mode === 'none' && <p className="muted center">Select an item, or add one.</p>}
        {pane.mode === 'view' && <ItemDetail id={pane.id} reloadKey={reloadKey} onEdit={(item) => setPane({ mode: 'edit', item })} onDeleted={() => setPane({ mode: 'none' })} />}
        {pane.mode === 'edit' && (
          <ItemEditor key={pane.item.id} item={pane.item} onSaved={(s) => setPane({ mode: 'view', id: s.id })} onCancel={() => setPane({ mode: 'view', id: pane.item.id })} />
        )}
        {pane.mode === 'new' && (
          <ItemEditor key={`new:${pane.kind}`} kind={pane.kind} onSaved={(s) => setPane({ mode: 'view', id: s.id })} onCancel={() => setPane({ mode: 'none' })} />
        )}
      </div>
    </div>
  );
}
