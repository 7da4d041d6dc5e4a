/** Locked vault: open it with the password or the recovery code (and later a hardware key). */
import { useState, type SubmitEvent } from 'react';
import { ErrorMessage } from '../components/ErrorMessage';
import { PolicyProblem } from '../components/PolicyNotices';
import { useAction } from '../components/useAction';
import { useEngine, useEngineHardwareKey } from '../engine/context';

type Method = 'password' | 'recovery_code';

export function UnlockView({ slotKinds }: { slotKinds: readonly string[] }) {
  const engine = useEngine();
  const hardwareKey = useEngineHardwareKey();
  const hasKey = slotKinds.includes('hardware_key');
  const hasPassword = slotKinds.includes('password');
  const hasRecovery = slotKinds.includes('recovery_code');
  const [method, setMethod] = useState<Method>(hasPassword ? 'password' : 'recovery_code');
  const [secret, setSecret] = useState('');
  const action = useAction();

  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    void action.run(async () => {
      if (method === 'password') await engine.call('vault.unlockWithPassword', { password: secret });
      else await engine.call('vault.unlockWithRecoveryCode', { recoveryCode: secret });
      setSecret('');
    });
  };
  // One touch (and the key's PIN if it asks): prompts come from main as events (KeyPrompts).
  const unlockWithKey = () => void action.run(() => hardwareKey.call('hardwareKey.unlock', {}));
  const switchTo = (m: Method) => {
    setMethod(m);
    setSecret('');
    action.clearError();
  };

  return (
    <main className="center-card">
      <form className="card" onSubmit={submit} aria-labelledby="unlock-title">
        <h1 id="unlock-title">Unlock Latchkey</h1>
        <PolicyProblem />
        {hasKey && (
          <>
            <button type="button" className="primary" onClick={unlockWithKey} disabled={action.busy} data-testid="unlock-key">
              {action.busy ? 'Waiting for your key…' : 'Unlock with security key'}
            </button>
            <p className="muted center-text">or</p>
          </>
        )}
        {method === 'password' ? (
          <label>
            Password
            <input type="password" autoComplete="current-password" value={secret} autoFocus onChange={(e) => setSecret(e.target.value)} data-testid="unlock-password" />
          </label>
        ) : (
          <label>
            Recovery code
            <input
              type="text"
              autoComplete="off"
              spellCheck={false}
              value={secret}
              autoFocus
              className="mono"
              onChange={(e) => setSecret(e.target.value)}
              data-testid="unlock-recovery"
              placeholder="XXXXX-XXXXX-…"
            />
          </label>
        )}
        <ErrorMessage error={action.error} />
        <button type="submit" className="primary" disabled={action.busy || secret.length === 0} data-testid="unlock-submit">
          {action.busy ? 'Unlocking…' : 'Unlock'}
        </button>
        <div className="row">
          {method === 'password' && hasRecovery && (
            <button type="button" className="link" onClick={() => switchTo('recovery_code')}>
              Use the recovery code
            </button>
          )}
          {method === 'recovery_code' && hasPassword && (
            <button type="button" className="link" onClick={() => switchTo('password')}>
              Use the password
            </button>
          )}
        </div>
      </form>
    </main>
  );
}
