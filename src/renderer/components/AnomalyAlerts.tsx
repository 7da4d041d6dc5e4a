/**
 * Anomaly alerts from the gateway (docs/gateway.md §15), shown first on the Activity
 * page, newest first, until dismissed: which rule, which agent and credential, where,
 * and whether policy made the use ask again. Read from main ('alerts.list') and kept
 * current by 'alert-raised'. Nothing here is a value: the gateway's alert has none.
 */
import { useCallback, useEffect, useState } from 'react';
import type { AnomalyRule } from '../../shared/budgets';
import type { Alert } from '../../shared/contracts/gateway';
import { useMain } from '../main-services';
import { ErrorMessage } from './ErrorMessage';

const RULE_WORDS: Record<AnomalyRule, string> = {
  new_destination: 'New destination',
  new_method: 'New kind of request',
  new_path: 'New path',
  burst: 'Burst of uses',
  unusual_hours: 'Outside usual hours',
  placeholder_refused: 'Credential sent where it may not go',
  canary: 'Canary credential touched',
};

export function AnomalyAlerts() {
  const main = useMain();
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    main?.gateway.call('alerts.list', {}).then(
      (r) => {
        setAlerts(r.alerts);
        setError(null);
      },
      (e: unknown) => setError(e),
    );
  }, [main]);
  useEffect(() => {
    load();
    return main?.gateway.on('alert-raised', (a) => setAlerts((all) => [a, ...all.filter((x) => x.id !== a.id)]));
  }, [main, load]);

  if (main === null) return null;
  const dismiss = async (a: Alert) => {
    try {
      await main.gateway.call('alerts.dismiss', { id: a.id });
      setAlerts((all) => all.filter((x) => x.id !== a.id));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-label="Alerts" data-testid="alerts">
      <ErrorMessage error={error} />
      {alerts.length > 0 && <h3>Alerts</h3>}
      {alerts.map((a) => (
        <div className="prompt" role="alert" key={a.id} data-testid="alert" data-rule={a.rule}>
          <p>
            <strong>{RULE_WORDS[a.rule]}</strong> · {a.agentName}
            {a.credentialName !== null && (
              <>
                {' '}
                with <strong>{a.credentialName}</strong>
              </>
            )}{' '}
            · {new Date(a.at).toLocaleString()}
          </p>
          <p>{a.message}</p>
          {a.requiresApproval && <p className="warning">Policy asks for your approval before this agent goes on.</p>}
          <div className="row">
            <button type="button" onClick={() => void dismiss(a)} data-testid="alert-dismiss">
              Dismiss
            </button>
          </div>
        </div>
      ))}
    </section>
  );
}
