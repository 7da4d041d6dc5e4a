/** The strength of a password being set, as a bar, a word and zxcvbn's advice. */
import { useMemo } from 'react';
import { passwordStrength } from '../items/strength';

export function StrengthMeter({ password, context = [] }: { password: string; context?: readonly string[] }) {
  // Compared by its text: a new array each render must not re-run the estimate.
  const key = context.join('\u0000');
  const s = useMemo(() => (password ? passwordStrength(password, key ? key.split('\u0000') : []) : null), [password, key]);
  if (!s) return null;
  return (
    <div className="strength" data-testid="strength" data-score={s.score}>
      <meter min={0} max={4} low={2} high={3} optimum={4} value={s.score} aria-label="Password strength" />
      <span>{s.label}</span>
      {s.advice.length > 0 && <span className="muted"> — {s.advice.join(' ')}</span>}
    </div>
  );
}
