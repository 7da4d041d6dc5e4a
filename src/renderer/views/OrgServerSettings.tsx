/**
 * Settings → Organisation server: enrol this device with a one-time code from IT or by
 * signing in with the organisation's account (OIDC, docs/identity.md §3; main opens the
 * browser), or show which server and device it is enrolled as, and how the last sync
 * went. The key is generated and kept by main (OS keychain); nothing secret reaches this
 * page except the one-time code the person types.
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
/** Sign-in waits for the person in their browser: main gives up after 5 minutes, the page a little later. */
const SIGN_IN_TIMEOUT_MS = 6 * 60_000;

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
  const [how, setHow] = useState<'code' | 'signin'>('code');
  const [orgId, setOrgId] = useState('');
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
      if (how === 'signin') {
        setStatus(
          await main.device.call('device.enrolSignIn', { serverUrl: serverUrl.trim(), orgId: orgId.trim(), deviceName: deviceName.trim() }, { timeoutMs: SIGN_IN_TIMEOUT_MS }),
        );
        return;
      }
      setStatus(await main.device.call('device.enrol', { serverUrl: serverUrl.trim(), code: code.trim(), deviceName: deviceName.trim() }));
      setCode('');
    });
  };
  const secondField = how === 'code' ? code : orgId;

  return (
    <>
      <section className="card wide" aria-labelledby="org-server-title" data-testid="org-server">
        <h2 id="org-server-title">Organisation server</h2>
        {status === null && <ErrorMessage error={loadError} />}
        {status !== null && !status.enrolled && (
          <form onSubmit={submit}>
            <p className="muted">
              Enrol this device to sync your vault (end-to-end encrypted) and upload its signed audit log, from the vault's creation on. Your IT team gives you the server address,
              and a one-time code or the organisation id to sign in with.
            </p>
            <label>
              Server address
              <input type="url" value={serverUrl} onChange={(e) => setServerUrl(e.target.value)} data-testid="org-server-url" placeholder="https://latchkey.example.com" />
            </label>
            <fieldset>
              <legend>How</legend>
              <label className="check">
                <input type="radio" name="org-how" checked={how === 'code'} onChange={() => setHow('code')} data-testid="org-how-code" />
                One-time code from IT
              </label>
              <label className="check">
                <input type="radio" name="org-how" checked={how === 'signin'} onChange={() => setHow('signin')} data-testid="org-how-signin" />
                Sign in with my organisation account
              </label>
            </fieldset>
            {how === 'code' ? (
              <label>
                One-time code
                <input type="text" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} data-testid="org-code" />
              </label>
            ) : (
              <label>
                Organisation id
                <input type="text" value={orgId} onChange={(e) => setOrgId(e.target.value)} data-testid="org-id" placeholder="From your IT team" />
              </label>
            )}
            <label>
              Device name
              <input type="text" value={deviceName} onChange={(e) => setDeviceName(e.target.value)} data-testid="org-device-name" placeholder="Work laptop" />
            </label>
            <ErrorMessage error={action.error} />
            <p className="muted">{how === 'signin' ? 'Your browser opens to sign in; come back here when it says so. ' : ''}After enrolling, reopen Latchkey to start syncing.</p>
            <button type="submit" data-testid="org-enrol" disabled={action.busy || serverUrl.trim() === '' || secondField.trim() === '' || deviceName.trim() === ''}>
              {how === 'signin' && action.busy ? 'Waiting for the sign-in…' : 'Enrol this device'}
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
