/**
 * The ways into the vault (password, recovery code, hardware keys) and the security
 * keys plugged in now. Removing the last way in is refused by the engine
 * ('last_slot'); the message says what to do.
 */
import { useCallback, useEffect, useState } from 'react';
import type { SlotInfo } from '../../shared/contracts/engine';
import type { DeviceDescriptor } from '../../shared/contracts/hardware-key';
import { ApprovalKeys } from '../components/ApprovalKeys';
import { EnrolledKeys } from '../components/EnrolledKeys';
import { ErrorMessage } from '../components/ErrorMessage';
import { useAction } from '../components/useAction';
import { useEngine } from '../engine/context';
import { useMain } from '../main-services';

const SLOT_KIND_LABELS: Record<string, string> = {
  password: 'Password',
  recovery_code: 'Recovery code',
  hardware_key: 'Security key',
  org_recovery: 'Organisation recovery',
};
/** What removing each kind costs, said before it happens. */
const REMOVE_WARNINGS: Record<string, string> = {
  recovery_code:
    'Without a recovery code, nothing opens this vault if you forget the password and lose your security keys — not even Latchkey. Consider making a new code in Settings instead.',
  password: 'The password stops opening the vault at once.',
  hardware_key: 'This security key stops opening the vault at once.',
};

function PluggedKeys() {
  const main = useMain();
  const [keys, setKeys] = useState<DeviceDescriptor[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const scan = useCallback(async () => {
    if (main === null) return;
    try {
      setKeys((await main.hardwareKey.call('keys.list', {})).keys);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [main]);
  useEffect(() => {
    void scan();
  }, [scan]);
  if (main === null) return <p className="muted">Security keys are reached through the Latchkey app; it could not be reached.</p>;
  return (
    <section className="card wide" aria-labelledby="plugged-title">
      <h2 id="plugged-title">Keys plugged in</h2>
      <ErrorMessage error={error} />
      {keys !== null && keys.length === 0 && <p className="muted">No security key found. Plug one in.</p>}
      <ul className="plain-list">
        {(keys ?? []).map((k) => (
          <li key={k.id}>
            {k.manufacturer} {k.product} <span className="muted">({k.transport})</span>
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => void scan()}>
        Look again
      </button>
    </section>
  );
}

export function SecurityKeysView() {
  const engine = useEngine();
  const [slots, setSlots] = useState<SlotInfo[]>([]);
  const [confirm, setConfirm] = useState<string | null>(null);
  const action = useAction();
  const [loadError, setLoadError] = useState<unknown>(null);
  const load = useCallback(async () => {
    setSlots((await engine.call('slots.list', {})).slots);
  }, [engine]);
  useEffect(() => {
    load().catch(setLoadError);
  }, [load]);
  const remove = (slotId: string) =>
    action.run(async () => {
      await engine.call('slots.remove', { slotId });
      setConfirm(null);
      await load();
    });
  return (
    <div className="settings">
      <section className="card wide" aria-labelledby="slots-title">
        <h2 id="slots-title">Ways to unlock</h2>
        <ul className="slot-list" data-testid="slots">
          {slots.map((s) => (
            <li key={s.id} className="row">
              <span className="badge">{SLOT_KIND_LABELS[s.kind] ?? s.kind}</span>
              <span>{s.label}</span>
              <span className="muted small">added {new Date(s.createdAt).toLocaleDateString()}</span>
              {s.kind === 'org_recovery' ? (
                // Kept by policy (recovery.breakGlass): removing it would only bring it back at the next unlock.
                <span className="muted small" data-testid="org-recovery-note">
                  your organisation&apos;s administrators can, together, give you a new way in (break-glass recovery); set by policy
                </span>
              ) : confirm === s.id ? (
                <>
                  <span className="warning" role="note" data-testid="slot-remove-warning">
                    {REMOVE_WARNINGS[s.kind] ?? 'This way in stops working at once.'}
                  </span>
                  <button type="button" className="danger" onClick={() => void remove(s.id)}>
                    Remove for good
                  </button>
                  <button type="button" onClick={() => setConfirm(null)}>
                    Keep
                  </button>
                </>
              ) : (
                <button type="button" className="danger-link" onClick={() => setConfirm(s.id)}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
        <ErrorMessage error={action.error ?? loadError} />
      </section>
      <EnrolledKeys onChanged={() => void load().catch(setLoadError)} />
      <ApprovalKeys />
      <PluggedKeys />
    </div>
  );
}
