/**
 * Input for a concealed value in the editor. A stored value is never fetched here:
 * the person sees "stored" and can replace or remove it; only a new value they type
 * is held in the form.
 */
import { useState } from 'react';
import type { Concealed } from '../items/form-model';
import { PasswordGenerator } from './PasswordGenerator';
import { StrengthMeter } from './StrengthMeter';

interface Props {
  label: string;
  value: Concealed;
  onChange: (v: Concealed) => void;
  /** Required fields cannot be removed. */
  required?: boolean;
  multiline?: boolean;
  generate?: boolean;
  testId?: string;
}

export function ConcealedInput({ label, value, onChange, required = false, multiline = false, generate = false, testId }: Props) {
  const [generating, setGenerating] = useState(false);
  if (value.mode === 'keep') {
    return (
      <div className="label-like">
        {label}
        <div className="row">
          <span className="masked">•••••••• stored</span>
          <button type="button" onClick={() => onChange({ mode: 'set', value: '' })}>
            Replace
          </button>
          {!required && (
            <button type="button" onClick={() => onChange({ mode: 'absent' })}>
              Remove
            </button>
          )}
        </div>
      </div>
    );
  }
  const text = value.mode === 'set' ? value.value : '';
  const set = (v: string) => onChange(v === '' && !required ? { mode: 'absent' } : { mode: 'set', value: v });
  return (
    <>
      <label>
        {label}
        <div className="row">
          {multiline ? (
            <textarea className="mono" rows={5} spellCheck={false} value={text} onChange={(e) => set(e.target.value)} data-testid={testId} />
          ) : (
            <input type="password" autoComplete="new-password" spellCheck={false} value={text} onChange={(e) => set(e.target.value)} data-testid={testId} />
          )}
          {generate && !generating && (
            <button type="button" onClick={() => setGenerating(true)} data-testid={testId ? `${testId}-generate` : undefined}>
              Generate…
            </button>
          )}
        </div>
        {generate && <StrengthMeter password={text} />}
      </label>
      {generating && (
        <PasswordGenerator
          onUse={(v) => {
            onChange({ mode: 'set', value: v });
            setGenerating(false);
          }}
          onCancel={() => setGenerating(false)}
        />
      )}
    </>
  );
}
