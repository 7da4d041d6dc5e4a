/**
 * The security keys enrolled in this vault: add one (touch twice, PIN if the key has
 * one — the prompts come from main through KeyPrompts), rename, and remove through
 * the generic slot removal (the engine refuses to remove the last way in).
 */
import { useCallback, useEffect, useState, type SubmitEvent } from 'react';
import type { EnrolledKey } from '../../shared/contracts/hardware-key';
import { useEngine, useEngineHardwareKey } from '../engine/context';
import { ErrorMessage } from './ErrorMessage';
import { useAction } from './useAction';

function KeyRow({ k, onChanged }: { k: EnrolledKey; onChanged: () => void }) {
  const engine = useEngine();
  const hardwareKey = useEngineHardwareKey();
  const [name, setName] = useState<string | null>(null);
  const [confirm, setConfirm] = useState(false);
  const action = useAction();
  const rename = (e: SubmitEvent) => {
    e.preventDefault();
    if (name === null) return;
    void action.run(async () => {
      await hardwareKey.call('hardwareKey.rename', { slotId: k.slotId, name });
      setName(null);
      onChanged();
    });
  };
  return (
    <li data-testid="enrolled-key">
      {name === null ? (
        <div className="row">
          <strong>{k.name}</strong>
          <span className="muted small">
            {k.uv ? 'PIN or fingerprint' : 'touch only'} · added {new Date(k.createdAt).toLocaleDateString()}
          </span>
          <button type="button" className="link" onClick={() => setName(k.name)}>
            Rename
          </button>
          {confirm ? (
            <>
              <button
                type="button"
                className="danger"
                onClick={() =>
                  void action.run(async () => {
                    await engine.call('slots.remove', { slotId: k.slotId });
                    onChanged();
                  })
                }
              >
                Remove for good
              </button>
              <button type="button" onClick={() => setConfirm(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" className="danger-link" onClick={() => setConfirm(true)}>
              Remove
            </button>
          )}
        </div>
      ) : (
        <form className="row" onSubmit={rename}>
          <input value={name} onChange={(e) => setName(e.target.value)} aria-label="Key name" maxLength={64} autoFocus />
          <button type="submit" disabled={action.busy || name.trim() === ''}>
            Save
          </button>
          <button type="button" onClick={() => setName(null)}>
            Cancel
          </button>
        </form>
      )}
      <ErrorMessage error={action.error} />
    </li>
  );
}

export function EnrolledKeys({ onChanged }: { onChanged: () => void }) {
  const hardwareKey = useEngineHardwareKey();
  const [keys, setKeys] = useState<EnrolledKey[]>([]);
  const [name, setName] = useState('');
  const [loadError, setLoadError] = useState<unknown>(null);
  const action = useAction();
  const load = useCallback(async () => {
    try {
      setKeys((await hardwareKey.call('hardwareKey.list', {})).keys);
      setLoadError(null);
    } catch (e) {
      setLoadError(e);
    }
  }, [hardwareKey]);
  useEffect(() => {
    void load();
  }, [load]);
  const changed = () => {
    void load();
    onChanged();
  };
  const enrol = (e: SubmitEvent) => {
    e.preventDefault();
    void action.run(async () => {
      await hardwareKey.call('hardwareKey.enrol', { name: name.trim() });
      setName('');
      changed();
    });
  };
  return (
    <section className="card wide" aria-labelledby="keys-title">
      <h2 id="keys-title">Security keys</h2>
      {keys.length === 0 && <p className="muted">No security key yet. A key opens the vault with one touch.</p>}
      <ul className="slot-list">
        {keys.map((k) => (
          <KeyRow key={k.slotId} k={k} onChanged={changed} />
        ))}
      </ul>
      <ErrorMessage error={loadError} />
      <form className="row" onSubmit={enrol}>
        <label>
          Name for a new key
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="YubiKey on my keyring" maxLength={64} data-testid="enrol-name" />
        </label>
        <button type="submit" className="primary" disabled={action.busy || name.trim() === ''} data-testid="enrol-submit">
          {action.busy ? 'Touch your key…' : 'Add key'}
        </button>
      </form>
      <ErrorMessage error={action.error} />
    </section>
  );
}
