/** Custom fields of any item: name, plain or concealed, value. */
import type { CustomFieldState } from '../items/form-model';
import { newCustomFieldId } from '../items/form-model';
import { ConcealedInput } from './ConcealedInput';

export function CustomFieldsEditor({ fields, onChange }: { fields: CustomFieldState[]; onChange: (f: CustomFieldState[]) => void }) {
  const update = (i: number, patch: Partial<CustomFieldState>) => onChange(fields.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <fieldset>
      <legend>Custom fields</legend>
      {fields.map((f, i) => (
        <div className="custom-field" key={f.id}>
          <label>
            Name
            <input value={f.name} onChange={(e) => update(i, { name: e.target.value })} data-testid="custom-name" />
          </label>
          {f.concealed ? (
            <ConcealedInput label="Value (concealed)" value={f.secret} required onChange={(secret) => update(i, { secret })} testId="custom-secret" />
          ) : (
            <label>
              Value
              <input value={f.plain} onChange={(e) => update(i, { plain: e.target.value })} data-testid="custom-value" />
            </label>
          )}
          <div className="row">
            <label className="check">
              <input
                type="checkbox"
                checked={f.concealed}
                disabled={f.secret.mode === 'keep'}
                onChange={(e) =>
                  update(
                    i,
                    e.target.checked
                      ? { concealed: true, plain: '', secret: { mode: 'set', value: f.plain } }
                      : { concealed: false, plain: f.secret.mode === 'set' ? f.secret.value : '', secret: { mode: 'absent' } },
                  )
                }
              />
              Concealed
            </label>
            <button type="button" className="danger-link" onClick={() => onChange(fields.filter((_, j) => j !== i))}>
              Remove field
            </button>
          </div>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...fields, { id: newCustomFieldId(), name: '', concealed: false, plain: '', secret: { mode: 'absent' } }])}>
        Add field
      </button>
    </fieldset>
  );
}
