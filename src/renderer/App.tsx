/**
 * Top-level state: which screen the vault's state calls for. The engine is the
 * source of truth; the app re-reads vault.status on every locked/unlocked event, so
 * an idle auto-lock in the worker brings the unlock screen back by itself.
 */
import { useCallback, useEffect, useState } from 'react';
import type { EngineStatus } from '../shared/contracts/engine';
import { ClipboardProvider, useClipboard } from './components/ClipboardProvider';
import { ErrorMessage } from './components/ErrorMessage';
import { useActivityTouch } from './components/useActivityTouch';
import type { EngineUi } from './engine/client';
import { EngineContext, useEngine } from './engine/context';
import { CreateVaultView } from './views/CreateVaultView';
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

  const refresh = useCallback(() => {
    engine.call('vault.status', {}).then((s) => { setStatus(s); setError(null); }, setError);
  }, [engine]);

  useEffect(() => {
    refresh();
    const offLocked = engine.on('locked', () => {
      void clipboard.clearNow();
      setNewRecoveryCode(null);
      refresh();
    });
    const offUnlocked = engine.on('unlocked', refresh);
    return () => { offLocked(); offUnlocked(); };
  }, [engine, refresh, clipboard]);

  useActivityTouch(status?.state === 'unlocked');

  if (error !== null) return <main className="center-card"><div className="card"><ErrorMessage error={error} /><button type="button" onClick={refresh}>Retry</button></div></main>;
  if (status === null) return <main className="center-card"><p className="muted">Opening the vault…</p></main>;
  if (newRecoveryCode !== null) return <RecoveryCodeView recoveryCode={newRecoveryCode} onDone={() => setNewRecoveryCode(null)} />;
  switch (status.state) {
    case 'no_vault': return <CreateVaultView onCreated={setNewRecoveryCode} />;
    case 'locked': return <UnlockView slotKinds={status.slotKinds ?? ['password', 'recovery_code']} />;
    case 'unlocked': return <Shell />;
  }
}

export function App({ engine }: { engine: EngineUi }) {
  return (
    <EngineContext.Provider value={engine}>
      <ClipboardProvider>
        <Screens />
      </ClipboardProvider>
    </EngineContext.Provider>
  );
}
