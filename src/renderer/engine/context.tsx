/**
 * React access to the engine client. Views take what they need from here instead of
 * a global, so the composition root (main.tsx) decides which worker they talk to.
 */
import { createContext, useContext } from 'react';
import type { EngineAudit, EngineHardwareKey, EngineUi } from './client';

export const EngineContext = createContext<EngineUi | null>(null);
export const EngineHardwareKeyContext = createContext<EngineHardwareKey | null>(null);
export const EngineAuditContext = createContext<EngineAudit | null>(null);

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
