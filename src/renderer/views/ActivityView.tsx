/** What agents did with credentials, newest first, live. No value is ever in an entry. */
import { useEffect, useState } from 'react';
import type { ActivityEntry } from '../../shared/contracts/gateway';
import { ErrorMessage } from '../components/ErrorMessage';
import { useMain } from '../main-services';

const LIMIT = 200;

export function ActivityView() {
  const main = useMain();
  const [entries, setEntries] = useState<ActivityEntry[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (main === null) return;
    let live = true;
    main.gateway.call('activity.list', { limit: LIMIT }).then(
      (r) => {
        if (live) setEntries(r.entries);
      },
      (e: unknown) => {
        if (live) setError(e);
      },
    );
    const off = main.gateway.on('activity', (e) => setEntries((prev) => [e, ...prev.filter((p) => p.id !== e.id)].slice(0, LIMIT)));
    return () => {
      live = false;
      off();
    };
  }, [main]);

  if (main === null)
    return (
      <div className="settings">
        <p className="muted">The agent gateway runs in the Latchkey app; it could not be reached.</p>
      </div>
    );
  return (
    <div className="settings">
      <h2>Activity</h2>
      <ErrorMessage error={error} />
      {entries.length === 0 && error === null && <p className="muted">No agent has used a credential yet.</p>}
      <table className="grid activity" data-testid="activity">
        <thead>
          <tr>
            <th>When</th>
            <th>Agent</th>
            <th>Tool</th>
            <th>Credential</th>
            <th>Destination</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} className={`outcome-${e.outcome}`}>
              <td>{new Date(e.at).toLocaleString()}</td>
              <td>{e.agentName ?? '—'}</td>
              <td>
                <code>{e.tool}</code>
              </td>
              <td>{e.credentialName ?? '—'}</td>
              <td>
                <code>{e.destination ?? '—'}</code>
              </td>
              <td>
                {e.outcome}
                {e.reason !== null && <span className="muted"> ({e.reason})</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
