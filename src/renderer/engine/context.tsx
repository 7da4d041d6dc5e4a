/**
 * React access to the engine client. Views take what they need from here instead of
 * a global, so the composition root (main.tsx) decides which worker they talk to.
 */
import { createContext, useContext } from 'react';
import type { EngineAudit, EngineHardwareKey, EngineUi } from './client';

export const EngineContext = createContext<EngineUi | null>(null);
export const EngineHardwareKeyContext = createContext<EngineHardwareKey | null>(null);
export const EngineAuditContext = createContext<EngineAudit | null>(null);
/** Deletes this vault's local databases and restarts the page (un-enrolment); null when the page cannot (tests that render parts). */
export const ForgetLocalDataContext = createContext<((scope: 'sync' | 'all') => Promise<void>) | null>(null);

export function useForgetLocalData(): ((scope: 'sync' | 'all') => Promise<void>) | null {
  return useContext(ForgetLocalDataContext);
}

export function useEngineAudit(): EngineAudit {
  const a = useContext(EngineAuditContext);
  if (a === null) throw new Error('useEngineAudit() outside <EngineAuditContext.Provider>');
  return a;
}

export function useEngineHardwareKey(): EngineHardwareKey {
  const hk = useContext(EngineHardwareKeyContext);
  if (hk === null) throw new Error('useEngineHardwareKey() outside <EngineHardwareKeyContext.Provider>');
  return hk;
}

export function useEngine(): EngineUi {
  const engine = useContext(EngineContext);
  if (engine === null) throw new Error('useEngine() outside <EngineContext.Provider>');
  return engine;
}
