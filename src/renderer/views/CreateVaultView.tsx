/** First run: choose the vault password. The engine returns the recovery code once. */
import { useState, type SubmitEvent } from 'react';
import { ErrorMessage } from '../components/ErrorMessage';
import { useAction } from '../components/useAction';
import { useEngine } from '../engine/context';

export const MIN_PASSWORD_LENGTH = 8;

export function CreateVaultView({ onCreated }: { onCreated: (recoveryCode: string) => void }) {
  const engine = useEngine();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction();

  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void action.run(async () => {
      const r = await engine.call('vault.create', { password });
      setPassword('');
      setConfirm('');
      onCreated(r.recoveryCode);
    });
  };

  return (
    <main className="center-card">
      <form className="card" onSubmit={submit} aria-labelledby="create-title">
        <h1 id="create-title">Create your vault</h1>
        <p className="muted">Your vault is encrypted on this device. The password never leaves it and cannot be recovered by anyone — keep the recovery code you get next.</p>
        <label>
          Password
          <input
            type="password"
            autoComplete="new-password"
            value={password}
            minLength={MIN_PASSWORD_LENGTH}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="create-password"
            required
            autoFocus
          />
        </label>
        <label>
          Repeat password
          <input type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} data-testid="create-confirm" required />
        </label>
        {mismatch && (
          <p className="error" role="alert">
            The two passwords differ.
          </p>
        )}
        <ErrorMessage error={action.error} />
        <button type="submit" className="primary" disabled={action.busy || password.length < MIN_PASSWORD_LENGTH} data-testid="create-submit">
          {action.busy ? 'Creating…' : 'Create vault'}
        </button>
        {password.length > 0 && password.length < MIN_PASSWORD_LENGTH && <p className="muted">At least {MIN_PASSWORD_LENGTH} characters.</p>}
      </form>
    </main>
  );
}
