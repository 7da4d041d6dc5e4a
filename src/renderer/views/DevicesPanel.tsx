/**
 * Settings → Devices: this person's devices as the org server knows them (name, last
 * seen, how each enrolled), revoking any other one, and un-enrolling this one with the
 * person's choice of keeping or wiping the vault here. Main signs the requests with
 * the device key; this page never holds it. Every destructive step asks first.
 */
import { useCallback, useEffect, useState } from 'react';
import type { MyDevice } from '../../shared/contracts/my-devices';
import { ErrorMessage } from '../components/ErrorMessage';
import { useAction } from '../components/useAction';
import { useForgetLocalData } from '../engine/context';
import { isLatchkeyError } from '../../shared/errors';
import { useMain } from '../main-services';
import { deviceStateWords, enrolledHow, lastSeenWords } from './device-words';

function DeviceRow({ device, onRevoked }: { device: MyDevice; onRevoked: () => void }) {
  const main = useMain();
  const [confirm, setConfirm] = useState(false);
  const action = useAction();
  if (main === null) return null;
  const revoked = device.revokedAt !== null;
  return (
    <li data-testid="device-row" data-name={device.name} data-revoked={revoked ? 'yes' : 'no'} className={revoked ? 'revoked' : undefined}>
      <div>
        <strong>{device.name}</strong> <span className="tag">{deviceStateWords(device)}</span>
        <p className="muted small">
          {lastSeenWords(device.lastSeenAt, Date.now())} · enrolled {enrolledHow(device.enrolledVia)} on {new Date(device.enrolledAt).toLocaleDateString()}
        </p>
      </div>
      {!revoked && !device.thisDevice && (
        <div className="row">
          {confirm ? (
            <>
              <span>Revoke “{device.name}”? It stops syncing at its next request and cannot be enrolled again with its current key.</span>
              <button
                type="button"
                className="danger"
                data-testid="device-revoke-confirm"
                disabled={action.busy}
                onClick={() =>
                  void action.run(async () => {
                    await main.device.call('devices.revoke', { deviceId: device.deviceId });
                    setConfirm(false);
                    onRevoked();
                  })
                }
              >
                Revoke
              </button>
              <button type="button" onClick={() => setConfirm(false)} disabled={action.busy}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" className="danger-link" data-testid="device-revoke" onClick={() => setConfirm(true)}>
              Revoke…
            </button>
          )}
        </div>
      )}
      <ErrorMessage error={action.error} />
    </li>
  );
}

function Unenrol() {
  const main = useMain();
  const forget = useForgetLocalData();
  const [localData, setLocalData] = useState<'keep' | 'wipe'>('keep');
  const [confirm, setConfirm] = useState(false);
  const action = useAction();
  if (main === null || forget === null) return null;
  const run = (force: boolean) =>
    void action.run(async () => {
      const out = await main.device.call('device.unenrol', { localData, ...(force ? { force: true } : {}) });
      await forget(out.localData === 'wipe' ? 'all' : 'sync');
    });
  // The server could not be told: the person may still remove the enrolment here.
  const unreachable = isLatchkeyError(action.error, 'upstream_failed');
  return (
    <div data-testid="device-unenrol">
      <h3>Un-enrol this device</h3>
      <fieldset>
        <legend className="muted">What happens to the vault on this device</legend>
        <label>
          <input type="radio" name="unenrol-data" checked={localData === 'keep'} onChange={() => setLocalData('keep')} data-testid="unenrol-keep" />
          Keep it here: Latchkey keeps working on this device on its own, without syncing.
        </label>
        <label>
          <input type="radio" name="unenrol-data" checked={localData === 'wipe'} onChange={() => setLocalData('wipe')} data-testid="unenrol-wipe" />
          Wipe it from this device: the vault, its activity log and this device's key are deleted here. Your other devices and the server keep their copies.
        </label>
      </fieldset>
      {confirm ? (
        <div className="row">
          <span>{localData === 'wipe' ? 'Un-enrol and delete the vault from this device?' : 'Un-enrol this device and keep the vault here?'} This cannot be undone.</span>
          <button type="button" className="danger" data-testid="unenrol-confirm" disabled={action.busy} onClick={() => run(false)}>
            Un-enrol
          </button>
          {unreachable && (
            <button type="button" className="danger" data-testid="unenrol-force" disabled={action.busy} onClick={() => run(true)}>
              Remove from this device only
            </button>
          )}
          <button type="button" onClick={() => setConfirm(false)} disabled={action.busy}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className="danger-link" data-testid="unenrol" onClick={() => setConfirm(true)}>
          Un-enrol this device…
        </button>
      )}
      <ErrorMessage error={action.error} />
    </div>
  );
}

export function DevicesPanel() {
  const main = useMain();
  const [devices, setDevices] = useState<MyDevice[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const refresh = useCallback(async () => {
    if (main === null) return;
    try {
      setDevices((await main.device.call('devices.list', {})).devices);
      setLoadError(null);
    } catch (e) {
      setLoadError(e);
    }
  }, [main]);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  if (main === null) return null;
  // A revoked device cannot list: the last sync above already says why, so only un-enrolling is offered.
  const revoked = isLatchkeyError(loadError, 'device_revoked');
  return (
    <section className="card wide" aria-labelledby="devices-title" data-testid="devices-panel">
      <h2 id="devices-title">Devices</h2>
      {!revoked && <ErrorMessage error={loadError} />}
      {devices !== null && !revoked && (
        <ul className="device-list" aria-label="Your devices">
          {devices.map((d) => (
            <DeviceRow key={d.deviceId} device={d} onRevoked={() => void refresh()} />
          ))}
        </ul>
      )}
      <Unenrol />
    </section>
  );
}
