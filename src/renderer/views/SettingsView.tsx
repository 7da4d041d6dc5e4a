/** Vault settings: auto-lock, password change, a new recovery code, connected MCP servers. */
import { useEffect, useState, type SubmitEvent } from 'react';
import type { EngineSettings } from '../../shared/contracts/engine';
import { ErrorMessage } from '../components/ErrorMessage';
import { ManagedBy } from '../components/PolicyNotices';
import { useManagedAutoLock } from '../components/useManagedAutoLock';
import { useAction } from '../components/useAction';
import { useEngine } from '../engine/context';
import { DevicesPanel } from './DevicesPanel';
import { McpServersSettings } from './McpServersSettings';
import { OrgServerSettings } from './OrgServerSettings';
import { RecoveryCodeView } from './RecoveryCodeView';

const AUTO_LOCK_CHOICES = [1, 5, 10, 15, 30, 60, 240, 0] as const;

function AutoLock() {
  const engine = useEngine();
  const [settings, setSettings] = useState<EngineSettings | null>(null);
  const action = useAction();
  const [loadError, setLoadError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    engine.call('settings.get', {}).then(
      (s) => {
        if (live) setSettings(s);
      },
      (e: unknown) => {
        if (live) setLoadError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [engine]);
  const managed = useManagedAutoLock(settings?.autoLockMinutes, AUTO_LOCK_CHOICES);
  const change = (minutes: number) => action.run(async () => setSettings(await engine.call('settings.update', { autoLockMinutes: minutes })));
  return (
    <section className="card wide" aria-labelledby="autolock-title">
      <h2 id="autolock-title">Auto-lock</h2>
      <label>
        Lock the vault after being idle for
        <select
          value={managed.minutes ?? ''}
          disabled={settings === null || action.busy || managed.label !== null}
          onChange={(e) => void change(Number(e.target.value))}
          data-testid="autolock"
        >
          {managed.choices.map((m) => (
            <option key={m} value={m}>
              {m === 0 ? 'Never' : m < 60 ? `${m} min` : `${m / 60} h`}
            </option>
          ))}
        </select>
      </label>
      <ManagedBy field="session.autoLockMinutes" />
      <ErrorMessage error={action.error ?? loadError} />
    </section>
  );
}

function ChangePassword() {
  const engine = useEngine();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const action = useAction();
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    setDone(false);
    void action.run(async () => {
      await engine.call('vault.changePassword', { currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setDone(true);
    });
  };
  return (
    <form className="card wide" onSubmit={submit} aria-labelledby="pw-title">
      <h2 id="pw-title">Change password</h2>
      <label>
        Current password
        <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
      </label>
      <label>
        New password
        <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
      </label>
      <ErrorMessage error={action.error} />
      {done && (
        <p className="ok" role="status">
          Password changed.
        </p>
      )}
      <button type="submit" disabled={action.busy || current === '' || next === ''}>
        Change password
      </button>
    </form>
  );
}

function NewRecoveryCode() {
  const engine = useEngine();
  const [code, setCode] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  if (code !== null) return <RecoveryCodeView recoveryCode={code} onDone={() => setCode(null)} />;
  return (
    <section className="card wide" aria-labelledby="rc-new-title">
      <h2 id="rc-new-title">Recovery code</h2>
      <p className="muted">Make a new recovery code if the old one may be known to someone.</p>
      <ErrorMessage error={action.error} />
      {confirming ? (
        <div role="alertdialog" aria-labelledby="rc-new-warning" data-testid="recovery-regenerate-confirm">
          <p className="warning" id="rc-new-warning">
            Your current recovery code stops working at once. Have a pen or printer ready: the new code is shown only once.
          </p>
          <div className="row">
            <button
              type="button"
              className="danger"
              disabled={action.busy}
              onClick={() =>
                void action.run(async () => {
                  setCode((await engine.call('slots.regenerateRecoveryCode', {})).recoveryCode);
                  setConfirming(false);
                })
              }
              data-testid="recovery-regenerate-confirmed"
            >
              Replace my recovery code
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep the current one
            </button>
          </div>
        </div>
      ) : (
        <button type="button" onClick={() => setConfirming(true)} data-testid="recovery-regenerate">
          Make a new recovery code
        </button>
      )}
    </section>
  );
}

export function SettingsView() {
  return (
    <div className="settings">
      <AutoLock />
      <ChangePassword />
      <NewRecoveryCode />
      <McpServersSettings />
      <OrgServerSettings devicesPanel={<DevicesPanel />} />
    </div>
  );
}
