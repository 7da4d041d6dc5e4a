/**
 * Canary alarms from the gateway (event 'canary-tripped', docs/gateway.md "Canary
 * credentials"), on every screen until dismissed: which agent, which canary, how (it
 * asked to use it, or its value came back in a result) and through which tool. An agent
 * that policy cut off can be restored from here ('agents.restore').
 */
import { useEffect, useState } from 'react';
import type { GatewayUiContract } from '../../shared/contracts/gateway';
import type { EventIn } from '../../shared/rpc/contract';
import { useMain } from '../main-services';
import { ErrorMessage } from './ErrorMessage';

type Trip = EventIn<GatewayUiContract, 'canary-tripped'>;

export function CanaryAlerts() {
  const main = useMain();
  const [trips, setTrips] = useState<Trip[]>([]);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (main === null) return;
    return main.gateway.on('canary-tripped', (t) => setTrips((all) => [...all, t].slice(-20)));
  }, [main]);

  if (main === null || trips.length === 0) return null;
  const dismiss = (t: Trip) => setTrips((all) => all.filter((x) => x !== t));
  const restore = async (t: Trip) => {
    try {
      await main.gateway.call('agents.restore', { agentId: t.agentId });
      setTrips((all) => all.filter((x) => x.agentId !== t.agentId));
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="prompts" role="region" aria-label="Canary alerts">
      {trips.map((t) => (
        <div className="prompt" role="alert" key={`${t.agentId}-${t.at}-${t.itemId}`} data-testid="canary-alert">
          <p>
            <strong>{t.agentName}</strong> {t.how === 'use' ? 'tried to use' : 'received a result holding'} the canary credential <strong>{t.credentialName ?? t.itemId}</strong> (
            <code>{t.tool}</code>).
          </p>
          <p className="warning">{t.cutOff ? 'Latchkey has stopped this agent: it can call no tool until you restore it.' : 'The agent was not stopped (policy).'}</p>
          <div className="row">
            <button type="button" onClick={() => dismiss(t)}>
              Dismiss
            </button>
            {t.cutOff && (
              <button type="button" className="danger" onClick={() => void restore(t)} data-testid="canary-restore">
                Restore agent
              </button>
            )}
          </div>
        </div>
      ))}
      <ErrorMessage error={error} />
    </div>
  );
}
