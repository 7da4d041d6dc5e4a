/**
 * Right after a vault is created: offer to add the security key that is plugged in
 * as the everyday way in. Shown only when main sees a key; skipping is always fine
 * (keys can be added later on the Security keys page).
 */
import { useState, type SubmitEvent } from 'react';
import { ErrorMessage } from '../components/ErrorMessage';
import { useAction } from '../components/useAction';
import { useEngineHardwareKey } from '../engine/context';

export function FirstKeyView({ onDone }: { onDone: () => void }) {
  const hardwareKey = useEngineHardwareKey();
  const [name, setName] = useState('My security key');
  const action = useAction();
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    void action.run(async () => {
      await hardwareKey.call('hardwareKey.enrol', { name: name.trim() });
      onDone();
    });
  };
  return (
    <main className="center-card">
      <form className="card" onSubmit={submit} aria-labelledby="first-key-title">
        <h1 id="first-key-title">Open your vault with a touch</h1>
        <p className="muted">A security key is plugged in. Add it, and one touch (plus its PIN, if it has one) unlocks the vault.</p>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={64} data-testid="first-key-name" />
        </label>
        <ErrorMessage error={action.error} />
        <button type="submit" className="primary" disabled={action.busy || name.trim() === ''} data-testid="first-key-add">
          {action.busy ? 'Touch your key…' : 'Add this key'}
        </button>
        <button type="button" className="link" onClick={onDone} data-testid="first-key-skip">
          Not now
        </button>
      </form>
    </main>
  );
}
