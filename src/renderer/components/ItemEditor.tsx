/** Add or edit an item of any kind. Validated with the shared schemas before it is sent. */
import { useState, type SubmitEvent } from 'react';
import type { ItemKind, ItemSummary, ItemView } from '../../shared/items';
import { useEngine } from '../engine/context';
import { draftFromForm, emptyForm, formFromItem, KIND_LABELS, updateFromForm, type ItemFormState } from '../items/form-model';
import { ConcealedInput } from './ConcealedInput';
import { CustomFieldsEditor } from './CustomFieldsEditor';
import { ErrorMessage } from './ErrorMessage';
import { useAction } from './useAction';

interface Props {
  /** Editing this item; otherwise a new item of `kind`. */
  item?: ItemView;
  kind?: ItemKind;
  onSaved: (item: ItemSummary) => void;
  onCancel: () => void;
}

export function ItemEditor({ item, kind = 'login', onSaved, onCancel }: Props) {
  const engine = useEngine();
  const [form, setForm] = useState<ItemFormState>(() => (item ? formFromItem(item) : emptyForm(kind)));
  const [invalid, setInvalid] = useState<string | null>(null);
  const action = useAction();
  const set = <K extends keyof ItemFormState>(key: K, value: ItemFormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const text = (
    key:
      'title' | 'username' | 'urls' | 'tags' | 'notes' | 'description' | 'headerName' | 'headerTemplate' | 'basicUsername' | 'queryParam' | 'allowedOrigins' | 'publicKey' | 'text',
  ) => ({ value: form[key], onChange: (e: { target: { value: string } }) => set(key, e.target.value) });

  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const checked = item ? updateFromForm(form, item.id, item.version) : draftFromForm(form);
    if (!checked.ok) {
      setInvalid(checked.message);
      return;
    }
    setInvalid(null);
    void action.run(async () => {
      const r = 'baseVersion' in checked.value ? await engine.call('item.update', checked.value) : await engine.call('item.create', { item: checked.value });
      onSaved(r.item);
    });
  };

  return (
    <form className="editor" onSubmit={submit} aria-label={item ? 'Edit item' : 'New item'}>
      <h2>{item ? `Edit ${KIND_LABELS[form.kind]}` : `New ${KIND_LABELS[form.kind]}`}</h2>
      <label>
        Title
        <input {...text('title')} required autoFocus data-testid="edit-title" />
      </label>
      {form.kind !== 'secure_note' && (
        <label>
          Username
          <input {...text('username')} autoComplete="off" data-testid="edit-username" />
        </label>
      )}
      {form.kind === 'login' && (
        <>
          <ConcealedInput label="Password" value={form.password} onChange={(v) => set('password', v)} generate testId="edit-password" />
          <ConcealedInput label="TOTP secret (base32 or otpauth:// URI)" value={form.totp} onChange={(v) => set('totp', v)} testId="edit-totp" />
        </>
      )}
      {form.kind === 'api_credential' && (
        <>
          <ConcealedInput label="Secret" value={form.secret} onChange={(v) => set('secret', v)} required testId="edit-secret" />
          <label>
            What it is for (shown to agents)
            <input {...text('description')} data-testid="edit-description" />
          </label>
          <label>
            How it is sent
            <select value={form.injectionType} onChange={(e) => set('injectionType', e.target.value as ItemFormState['injectionType'])} data-testid="edit-injection">
              <option value="bearer">Authorization: Bearer</option>
              <option value="header">Custom header</option>
              <option value="basic">HTTP Basic</option>
              <option value="query">Query parameter</option>
            </select>
          </label>
          {form.injectionType === 'header' && (
            <div className="row">
              <label>
                Header name
                <input {...text('headerName')} />
              </label>
              <label>
                Value template
                <input {...text('headerTemplate')} placeholder="Token {secret}" />
              </label>
            </div>
          )}
          {form.injectionType === 'basic' && (
            <label>
              Basic username
              <input {...text('basicUsername')} />
            </label>
          )}
          {form.injectionType === 'query' && (
            <label>
              Parameter name
              <input {...text('queryParam')} />
            </label>
          )}
          <label>
            Allowed origins (one per line, e.g. https://api.example.com)
            <textarea rows={3} className="mono" {...text('allowedOrigins')} data-testid="edit-origins" />
          </label>
          <label>
            <input type="checkbox" checked={form.canary} onChange={(e) => set('canary', e.target.checked)} data-testid="edit-canary" /> Canary: agents see it listed, Latchkey never
            sends it, and any use of it or its value in a result raises an alert
          </label>
          <label>
            <input type="checkbox" checked={form.swapInBody} onChange={(e) => set('swapInBody', e.target.checked)} data-testid="edit-swap-in-body" /> Also swap it in request
            bodies: latchkey run puts the real value into JSON, form and text bodies sent to the allowed origins (up to 1 MiB)
          </label>
        </>
      )}
      {form.kind === 'ssh_key' && (
        <>
          <ConcealedInput label="Private key" value={form.privateKey} onChange={(v) => set('privateKey', v)} required multiline testId="edit-private-key" />
          <label>
            Public key
            <textarea rows={2} className="mono" {...text('publicKey')} />
          </label>
          <ConcealedInput label="Passphrase" value={form.passphrase} onChange={(v) => set('passphrase', v)} />
        </>
      )}
      {form.kind === 'secure_note' && (
        <label>
          Note
          <textarea rows={8} {...text('text')} data-testid="edit-text" />
        </label>
      )}
      {form.kind !== 'api_credential' && form.kind !== 'secure_note' && (
        <label>
          Websites (one per line)
          <textarea rows={2} {...text('urls')} />
        </label>
      )}
      <label>
        Tags (comma separated)
        <input {...text('tags')} />
      </label>
      {form.kind !== 'secure_note' && (
        <label>
          Notes
          <textarea rows={3} {...text('notes')} />
        </label>
      )}
      <CustomFieldsEditor fields={form.customFields} onChange={(f) => set('customFields', f)} />
      {invalid !== null && (
        <p className="error" role="alert">
          {invalid}
        </p>
      )}
      <ErrorMessage error={action.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={action.busy} data-testid="edit-save">
          {action.busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
