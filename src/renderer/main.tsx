/**
 * Renderer entry (composition root of the page): start the engine worker, then
 * render the app against its RPC client. The page holds no key; the worker does.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startEngine, type EngineConnection } from './engine/client';
import { engineMainLink } from './engine/main-link';
import { connectMainClients, MainContext } from './main-services';

declare global {
  interface Window {
    /** e2e builds only (vite mode 'e2e'): the tests drive the engine through the same RPC the UI uses. */
    __latchkeyE2E?: Pick<EngineConnection, 'ui' | 'transfer' | 'hardwareKey'>;
  }
}

async function boot(): Promise<void> {
  const el = document.getElementById('root');
  if (el === null) return;
  const root = createRoot(el);
  // The vault works without main (agents just get nothing), so a missing link is not fatal.
  const link = await engineMainLink().catch(() => ({ mainLink: 'none' as const }));
  const engine = startEngine(link);
  if (import.meta.env.MODE === 'e2e') window.__latchkeyE2E = { ui: engine.ui, transfer: engine.transfer, hardwareKey: engine.hardwareKey };
  const main = await connectMainClients().catch(() => null);
  // Un-enrolment: the worker stops, this vault's databases go, and the app starts afresh.
  const forgetLocalData = async (scope: 'sync' | 'all'): Promise<void> => {
    await engine.forgetLocalData(scope);
    location.reload();
  };
  root.render(
    <StrictMode>
      <MainContext.Provider value={main}>
        <App engine={engine.ui} hardwareKey={engine.hardwareKey} audit={engine.audit} forgetLocalData={forgetLocalData} />
      </MainContext.Provider>
    </StrictMode>,
  );
}

void boot();
