/**
 * A concealed value: rendered as dots until the person reveals it. Revealing and
 * copying each fetch the value from the engine on demand (audited there as
 * item.reveal / item.copy); the revealed text lives only in this component's state
 * and is dropped on hide, on unmount, and when the item changes (parents key it).
 */
import { useState } from 'react';
import type { FieldRef } from '../../shared/items';
import { useEngine } from '../engine/context';
import { CopyReference } from './CopyReference';
import { ErrorMessage } from './ErrorMessage';
import { useClipboard } from './ClipboardProvider';
import { useAction } from './useAction';

export function SecretField({
  itemId,
  field,
  label,
  multiline = false,
  reference,
}: {
  itemId: string;
  field: FieldRef;
  label: string;
  multiline?: boolean;
  /** A `latchkey://` reference to this field, offered as "Copy reference" (no value: it names the field). */
  reference?: string | undefined;
}) {
  const engine = useEngine();
  const clipboard = useClipboard();
  const [value, setValue] = useState<string | null>(null);
  const action = useAction();

  const reveal = () =>
    action.run(async () => {
      const r = await engine.call('item.reveal', { id: itemId, field, purpose: 'reveal' });
      setValue(r.value);
    });
  const copy = () =>
    action.run(async () => {
      const r = await engine.call('item.reveal', { id: itemId, field, purpose: 'copy' });
      await clipboard.copySecret(label, r.value);
    });

  return (
    <div className="field" data-field={field}>
      <span className="field-label">{label}</span>
      <div className="field-value">
        {value === null ? (
          <span className="masked" aria-label={`${label} hidden`}>
            ••••••••••••
          </span>
        ) : multiline ? (
          <pre className="revealed" data-testid="secret-value">
            {value}
          </pre>
        ) : (
          <code className="revealed" data-testid="secret-value">
            {value}
          </code>
        )}
        <span className="field-actions">
          {value === null ? (
            <button type="button" onClick={reveal} disabled={action.busy}>
              Reveal
            </button>
          ) : (
            <button type="button" onClick={() => setValue(null)}>
              Hide
            </button>
          )}
          <button type="button" onClick={copy} disabled={action.busy}>
            Copy
          </button>
          <CopyReference reference={reference} />
        </span>
      </div>
      <ErrorMessage error={action.error} />
    </div>
  );
}
