/**
 * Top-level state: which screen the vault's state calls for. The engine is the
 * source of truth; the app re-reads vault.status on every locked/unlocked event, so
 * an idle auto-lock in the worker brings the unlock screen back by itself.
 */
import { useCallback, useEffect, useState } from 'react';
import type { EngineStatus } from '../shared/contracts/engine';
import { BreakGlassNotices } from './components/BreakGlassNotices';
import { CanaryAlerts } from './components/CanaryAlerts';
import { ApprovalPrompts } from './components/ApprovalPrompts';
import { ClipboardProvider, useClipboard } from './components/ClipboardProvider';
import { KeyPrompts } from './components/KeyPrompts';
import { PolicyProvider } from './components/PolicyProvider';
import { ErrorMessage } from './components/ErrorMessage';
import { useActivityTouch } from './components/useActivityTouch';
import type { EngineAudit, EngineHardwareKey, EngineUi } from './engine/client';
import { EngineAuditContext, EngineContext, EngineHardwareKeyContext, ForgetLocalDataContext, useEngine } from './engine/context';
import { useMain } from './main-services';
import { CreateVaultView } from './views/CreateVaultView';
import { FirstKeyView } from './views/FirstKeyView';
import { RecoveryCodeView } from './views/RecoveryCodeView';
import { Shell } from './views/Shell';
import { UnlockView } from './views/UnlockView';

function Screens() {
  const engine = useEngine();
  const clipboard = useClipboard();
  const [status, setStatus] = useState<EngineStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Held only between vault creation and the person confirming they saved it.
  const [newRecoveryCode, setNewRecoveryCode] = useState<string | null>(null);
  const [offerKey, setOfferKey] = useState(false);
  const main = useMain();
  // After the recovery code: offer the plugged-in key as the first one (issue 3).
  const afterRecoveryCode = (): void => {
    setNewRecoveryCode(null);
    if (main === null) return;
    main.hardwareKey.call('keys.list', {}).then(
      (r) => setOfferKey(r.keys.length > 0),
      () => setOfferKey(false),
    );
  };

  const refresh = useCallback(() => {
    engine.call('vault.status', {}).then((s) => {
      setStatus(s);
      setError(null);
    }, setError);
  }, [engine]);

  useEffect(() => {
    refresh();
    const offLocked = engine.on('locked', () => {
      void clipboard.clearNow();
      setNewRecoveryCode(null);
      setOfferKey(false);
      refresh();
    });
    const offUnlocked = engine.on('unlocked', refresh);
    return () => {
      offLocked();
      offUnlocked();
    };
  }, [engine, refresh, clipboard]);

  useActivityTouch(status?.state === 'unlocked');

  if (error !== null)
    return (
      <main className="center-card">
        <div className="card">
          <ErrorMessage error={error} />
          <button type="button" onClick={refresh}>
            Retry
          </button>
        </div>
      </main>
    );
  if (status === null)
    return (
      <main className="center-card">
        <p className="muted">Opening the vault…</p>
      </main>
    );
  if (newRecoveryCode !== null) return <RecoveryCodeView recoveryCode={newRecoveryCode} onDone={afterRecoveryCode} />;
  if (offerKey && status.state === 'unlocked') return <FirstKeyView onDone={() => setOfferKey(false)} />;
  switch (status.state) {
    case 'no_vault':
      return <CreateVaultView onCreated={setNewRecoveryCode} />;
    case 'locked':
      return <UnlockView slotKinds={status.slotKinds ?? ['password', 'recovery_code']} />;
    case 'unlocked':
      return <Shell />;
  }
}

export function App({
  engine,
  hardwareKey,
  audit,
  forgetLocalData = null,
}: {
  engine: EngineUi;
  hardwareKey: EngineHardwareKey;
  audit: EngineAudit;
  forgetLocalData?: ((scope: 'sync' | 'all') => Promise<void>) | null;
}) {
  return (
    <ForgetLocalDataContext.Provider value={forgetLocalData}>
      <EngineContext.Provider value={engine}>
        <EngineHardwareKeyContext.Provider value={hardwareKey}>
          <EngineAuditContext.Provider value={audit}>
            <PolicyProvider>
              <ClipboardProvider>
                <Screens />
                <ApprovalPrompts />
                <CanaryAlerts />
                <BreakGlassNotices />
                <KeyPrompts />
              </ClipboardProvider>
            </PolicyProvider>
          </EngineAuditContext.Provider>
        </EngineHardwareKeyContext.Provider>
      </EngineContext.Provider>
    </ForgetLocalDataContext.Provider>
  );
}
