/**
 * What the policy looks like on screen: the "Managed by <org>" mark beside a locked
 * setting, and the reason the vault will not open while the managed policy is invalid.
 */
import { LatchkeyError } from '../../shared/errors';
import type { PolicyField } from '../../shared/policy';
import { ErrorMessage } from './ErrorMessage';
import { useManagedLabel, usePolicy } from './PolicyProvider';

/** Beside a setting the policy locks; renders nothing when the setting is the person's. */
export function ManagedBy({ field }: { field: PolicyField }) {
  const label = useManagedLabel(field);
  if (label === null) return null;
  return (
    <p className="muted" data-testid={`managed-${field}`}>
      🔒 {label}
    </p>
  );
}

/**
 * On the unlock screen: the loader's message, which names the policy file and why it
 * was refused (unsigned, bad signature, unknown version…). The engine refuses every
 * unlock meanwhile; this says why before the person tries.
 */
export function PolicyProblem() {
  const state = usePolicy();
  if (state.status !== 'invalid') return null;
  return (
    <div data-testid="policy-invalid">
      <p className="muted">Latchkey will not open the vault until the managed policy is fixed:</p>
      <ErrorMessage error={LatchkeyError.from(state.error)} />
    </div>
  );
}
