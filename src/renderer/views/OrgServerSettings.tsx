/**
 * Settings → Organisation server: enrol this device with a one-time code from IT, or
 * show which server and device it is enrolled as, and how the last sync went. The key
 * is generated and kept by main (OS keychain); nothing secret reaches this page except
 * the one-time code the person types.
 */
import { useCallback, useEffect, useState, type ReactNode, type SubmitEvent } from 'react';
import type { DeviceStatus } from '../../shared/contracts/device';
import type { SyncStatus } from '../../shared/contracts/engine';
import { useEngine } from '../engine/context';
import { syncStatusWords } from './sync-words';
import { ErrorMessage } from '../components/ErrorMessage';
import { useAction } from '../components/useAction';
import { useMain } from '../main-services';
import { lastSyncWords } from './device-words';

/** How often the shown sync result refreshes while Settings is open (ms). */
const REFRESH_MS = 10_000;

/** `devicesPanel`: shown below once this device is enrolled (Settings → Devices). */
export function OrgServerSettings({ devicesPanel = null }: { devicesPanel?: ReactNode }) {
  const main = useMain();
  const engine = useEngine();
  const [status, setStatus] = useState<DeviceStatus | null>(null);
  const [sync, setSync] = useState<SyncStatus | null>(null);
  const syncNow = useAction();
  const [loadError, setLoadError] = useState<unknown>(null);
  const [serverUrl, setServerUrl] = useState('');
  const [code, setCode] = useState('');
  const [deviceName, setDeviceName] = useState('');
  const action = useAction();

  const refresh = useCallback(async () => {
    if (main === null) return;
    try {
      setStatus(await main.device.call('device.status', {}));
      // The worker syncs, so it knows the last success and the last failure (main only the last outcome).
      setSync(await engine.call('sync.status', {}));
      setLoadError(null);
    } catch (e) {
      setLoadError(e);
    }
  }, [main, engine]);
  useEffect(() => {
    void refresh();
    const t = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(t);
  }, [refresh]);

  if (main === null) return null;
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    void action.run(async () => {
      setStatus(await main.device.call('device.enrol', { serverUrl: serverUrl.trim(), code: code.trim(), deviceName: deviceName.trim() }));
      setCode('');
    });
  };

  return (
    <>
      <section className="card wide" aria-labelledby="org-server-title" data-testid="org-server">
        <h2 id="org-server-title">Organisation server</h2>
        {status === null && <ErrorMessage error={loadError} />}
        {status !== null && !status.enrolled && (
          <form onSubmit={submit}>
            <p className="muted">
              Enrol this device to sync your vault (end-to-end encrypted) and upload its signed audit log, from the vault's creation on. Your IT team gives you the server address
              and a one-time code.
            </p>
            <label>
              Server address
              <input type="url" value={serverUrl} onChange={(e) => setServerUrl(e.target.value)} data-testid="org-server-url" placeholder="https://latchkey.example.com" />
            </label>
            <label>
              One-time code
              <input type="text" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} data-testid="org-code" />
            </label>
            <label>
              Device name
              <input type="text" value={deviceName} onChange={(e) => setDeviceName(e.target.value)} data-testid="org-device-name" placeholder="Work laptop" />
            </label>
            <ErrorMessage error={action.error} />
            <p className="muted">After enrolling, reopen Latchkey to start syncing.</p>
            <button type="submit" data-testid="org-enrol" disabled={action.busy || serverUrl.trim() === '' || code.trim() === '' || deviceName.trim() === ''}>
              Enrol this device
            </button>
          </form>
        )}
        {status !== null && status.enrolled && (
          <dl>
            <dt>Server</dt>
            <dd data-testid="org-enrolled-server">{status.serverUrl}</dd>
            <dt>Device</dt>
            <dd>{status.deviceId}</dd>
            <dt>Last sync</dt>
            <dd role="status" data-testid="org-last-sync" data-revoked={status.lastSync?.error?.code === 'device_revoked' ? 'yes' : 'no'}>
              {/* A revocation is said in main's words (who and when); otherwise the worker knows the last success and the last failure. */}
              {sync?.active === true && status.lastSync?.error?.code !== 'device_revoked' ? <SyncLine status={sync} /> : lastSyncWords(status.lastSync, status.deviceId)}
            </dd>
          </dl>
        )}
        {status !== null && status.enrolled && sync?.active === true && status.lastSync?.error?.code !== 'device_revoked' && (
          <div className="row">
            <button
              type="button"
              onClick={() =>
                void syncNow.run(async () => {
                  setSync({ ...sync, running: true });
                  setSync(await engine.call('sync.now', {}));
                })
              }
              disabled={syncNow.busy || sync.running}
              data-testid="org-sync-now"
            >
              {syncNow.busy || sync.running ? 'Syncing…' : 'Sync now'}
            </button>
            <ErrorMessage error={syncNow.error} />
          </div>
        )}
      </section>
      {status !== null && status.enrolled && devicesPanel}
    </>
  );
}

function SyncLine({ status }: { status: SyncStatus }) {
  const words = syncStatusWords(status);
  return (
    <>
      <span data-testid="org-last-success">{words.success}</span>
      {words.failure !== null && (
        <span className="error sync-failure" data-testid="org-last-failure">
          {words.failure}
        </span>
      )}
    </>
  );
}
