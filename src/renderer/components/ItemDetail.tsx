/**
 * One item: its overview in the clear, every concealed value masked until the person
 * reveals or copies it (SecretField). Secure-note text and plain fields arrive in the
 * masked view; the note body is still shown only on request.
 */
import { Fragment, useEffect, useRef, useState } from 'react';
import { TRASH_DAYS, type ItemView } from '../../shared/items';
import { useEngine } from '../engine/context';
import { KIND_LABELS } from '../items/form-model';
import { fieldReferences, type ReferenceParts } from '../items/reference-for';
import { CopyReference } from './CopyReference';
import { useClipboard } from './ClipboardProvider';
import { ErrorMessage } from './ErrorMessage';
import { HistorySection } from './HistorySection';
import { SecretField } from './SecretField';
import { TotpCode } from './TotpCode';
import { useAction } from './useAction';

/** A value shown in the clear, with its own Copy (through the one clipboard slot, so it clears like any copy). */
function Plain({
  label,
  value,
  mono = false,
  copy = true,
  reference,
}: {
  label: string;
  value: string | undefined;
  mono?: boolean;
  copy?: boolean;
  reference?: string | undefined;
}) {
  const clipboard = useClipboard();
  if (value === undefined || value === '') return null;
  return (
    <div className="field" data-plain={label}>
      <span className="field-label">{label}</span>
      <div className="field-value">
        {mono ? <code className="wrap">{value}</code> : <span className="wrap">{value}</span>}
        {(copy || reference !== undefined) && (
          <span className="field-actions">
            {copy && (
              <button type="button" onClick={() => void clipboard.copySecret(label, value)}>
                Copy
              </button>
            )}
            <CopyReference reference={reference} />
          </span>
        )}
      </div>
    </div>
  );
}

function injectionText(item: ItemView): string | undefined {
  const r = item.overview.injection;
  if (r === undefined) return undefined;
  switch (r.type) {
    case 'bearer':
      return 'Authorization: Bearer <secret>';
    case 'header':
      return `${r.name}: ${r.template.replaceAll('{secret}', '<secret>')}`;
    case 'basic':
      return `HTTP Basic as "${r.username}"`;
    case 'query':
      return `?${r.param}=<secret>`;
  }
}

function NoteText({ text, reference }: { text: string; reference?: string | undefined }) {
  const [shown, setShown] = useState(false);
  const clipboard = useClipboard();
  return (
    <div className="field">
      <span className="field-label">Note</span>
      <div className="field-value">
        {shown ? (
          <pre className="revealed" data-testid="note-text">
            {text}
          </pre>
        ) : (
          <span className="masked">Hidden note</span>
        )}
        <span className="field-actions">
          <button type="button" onClick={() => setShown(!shown)}>
            {shown ? 'Hide' : 'Show'}
          </button>
          <button type="button" onClick={() => void clipboard.copySecret('Note', text)}>
            Copy
          </button>
          <CopyReference reference={reference} />
        </span>
      </div>
    </div>
  );
}

/** The vault id and whether the title names this item alone (else the reference uses the id). */
async function referenceParts(engine: ReturnType<typeof useEngine>, item: ItemView): Promise<ReferenceParts | null> {
  try {
    const [status, same] = await Promise.all([engine.call('vault.status', {}), engine.call('items.search', { query: item.overview.title.slice(0, 256), limit: 1000 })]);
    if (status.vaultId === undefined) return null;
    const exact = same.items.filter((x) => x.overview.title === item.overview.title).length;
    return { vaultId: status.vaultId, itemId: item.id, title: item.overview.title, titleIsUnique: exact === 1 && same.items.length < 1000 };
  } catch {
    // No reference offered rather than a wrong one.
    return null;
  }
}

interface Props {
  id: string;
  onEdit: (item: ItemView) => void;
  onDeleted: () => void;
  reloadKey: number;
}

export function ItemDetail({ id, onEdit, onDeleted, reloadKey }: Props) {
  const engine = useEngine();
  const clipboard = useClipboard();
  const [item, setItem] = useState<ItemView | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [refs, setRefs] = useState<ReferenceParts | null>(null);
  const shownId = useRef<string | null>(null);
  const action = useAction();

  useEffect(() => {
    let live = true;
    // Another item: start blank. The same item reloaded (after any vault change) stays on
    // screen, revealed values included, and is replaced only if its version changed.
    const sameItem = shownId.current === id;
    shownId.current = id;
    if (!sameItem) {
      setItem(null);
      setRefs(null);
      setConfirmDelete(false);
    }
    engine.call('item.get', { id }).then(
      (r) => {
        if (live) {
          setItem((cur) => (cur !== null && cur.id === r.item.id && cur.version === r.item.version ? cur : r.item));
          setLoadError(null);
        }
        // Every field of every kind has a reference (docs/references.md "Copy reference in the app").
        void referenceParts(engine, r.item).then((p) => {
          if (live) setRefs(p);
        });
      },
      (e: unknown) => {
        if (live) setLoadError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [engine, id, reloadKey]);

  if (loadError !== null)
    return (
      <section className="detail">
        <ErrorMessage error={loadError} />
      </section>
    );
  if (item === null) return <section className="detail muted">Loading…</section>;
  const o = item.overview;
  const d = item.details;
  const ref = refs ? fieldReferences(item, refs) : {};
  const del = () =>
    action.run(async () => {
      await engine.call('item.delete', { id: item.id });
      onDeleted();
    });

  return (
    <section className="detail" aria-label={o.title} data-testid="item-detail">
      <header className="detail-head">
        <div>
          <h2 data-testid="detail-title">{o.title}</h2>
          <span className="badge">{KIND_LABELS[o.kind]}</span>
          {o.tags.map((t) => (
            <span className="tag" key={t}>
              {t}
            </span>
          ))}
        </div>
        {o.trashedAt !== undefined ? (
          <div className="row">
            <span className="muted" role="status">
              In the trash since {new Date(o.trashedAt).toLocaleDateString()}
            </span>
            <button type="button" onClick={() => void action.run(() => engine.call('trash.restore', { id: item.id }))} disabled={action.busy} data-testid="detail-restore">
              Restore
            </button>
          </div>
        ) : (
          <div className="row">
            <button type="button" onClick={() => onEdit(item)} data-testid="detail-edit">
              Edit
            </button>
            {confirmDelete ? (
              <>
                <button type="button" className="danger" onClick={del} disabled={action.busy} data-testid="detail-delete-confirm">
                  Move to trash
                </button>
                <button type="button" onClick={() => setConfirmDelete(false)}>
                  Keep
                </button>
              </>
            ) : (
              <button type="button" className="danger-link" onClick={() => setConfirmDelete(true)} data-testid="detail-delete">
                Delete
              </button>
            )}
          </div>
        )}
      </header>
      {confirmDelete && (
        <p className="muted small" role="status" data-testid="detail-delete-note">
          It stays in the Trash for {TRASH_DAYS} days, where you can restore it.
        </p>
      )}
      <ErrorMessage error={action.error} />
      {/* Keyed by version: a value revealed from one version never stays on screen for the next. */}
      <Fragment key={`${item.id}:${item.version}`}>
        <Plain label="Username" value={o.username} reference={ref.username} />
        {d.kind === 'login' && (
          <>
            {d.password !== undefined && <SecretField key={`${item.id}:password`} itemId={item.id} field="password" label="Password" reference={ref.password} />}
            {d.totp !== undefined && <TotpCode key={`${item.id}:totp`} itemId={item.id} reference={ref.totp} />}
          </>
        )}
        {d.kind === 'api_credential' && (
          <>
            <SecretField key={`${item.id}:secret`} itemId={item.id} field="secret" label="Secret" reference={ref.secret} />
            <Plain label="What it is for" value={o.description} />
            <Plain label="Sent as" value={injectionText(item)} mono copy={false} />
            <div className="field">
              <span className="field-label">Allowed origins</span>
              <div className="field-value">
                {(o.allowedOrigins ?? []).length === 0 ? (
                  <span className="muted">None — agents cannot use it yet</span>
                ) : (
                  <ul className="plain-list">
                    {(o.allowedOrigins ?? []).map((x) => (
                      <li key={x}>
                        <code>{x}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            </div>
          </>
        )}
        {d.kind === 'ssh_key' && (
          <>
            <SecretField key={`${item.id}:privateKey`} itemId={item.id} field="privateKey" label="Private key" multiline reference={ref.privateKey} />
            <Plain label="Public key" value={d.publicKey} mono reference={ref.publicKey} />
            {d.passphrase !== undefined && <SecretField key={`${item.id}:passphrase`} itemId={item.id} field="passphrase" label="Passphrase" reference={ref.passphrase} />}
          </>
        )}
        {d.kind === 'secure_note' && <NoteText key={item.id} text={d.text} reference={ref.text} />}
        {o.urls.length > 0 && (
          <div className="field">
            <span className="field-label">Websites</span>
            <div className="field-value">
              <ul className="plain-list">
                {o.urls.map((u) => (
                  <li key={u}>
                    <span className="wrap">{u}</span>{' '}
                    <button type="button" className="link-button" onClick={() => void clipboard.copySecret('Website', u)}>
                      Copy
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          </div>
        )}
        {d.customFields.map((c) =>
          c.concealed ? (
            <SecretField key={`${item.id}:custom:${c.id}`} itemId={item.id} field={`custom:${c.id}`} label={c.name} reference={ref[`custom:${c.id}`]} />
          ) : (
            <Plain key={c.id} label={c.name} value={c.value ?? ''} reference={ref[`custom:${c.id}`]} />
          ),
        )}
        <Plain label="Notes" value={d.notes} reference={ref.notes} />
        <HistorySection item={item} />
        <p className="muted small">
          Version {item.version} · updated {new Date(item.updatedAt).toLocaleString()}
        </p>
      </Fragment>
    </section>
  );
}
