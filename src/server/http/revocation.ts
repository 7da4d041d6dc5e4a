/**
 * What a revoked device is told at its next request (docs/sync-protocol.md §2, check 4):
 * a 403 `device_revoked` whose message says in plain words who revoked it and when, and
 * whose details carry the same facts typed (src/shared/contracts/my-devices.ts), so the
 * app can word it itself. Only a request whose signature verified reaches this, so
 * nobody but the device's holder learns these facts.
 */
import { LatchkeyError } from '../../shared/errors';
import { revocationDetailsSchema, type RevocationDetails, type RevokedBy } from '../../shared/contracts/my-devices';

export interface RevocationFacts {
  readonly deviceId: string;
  readonly deviceRevokedAt: Date | null;
  readonly deviceRevokedBy: RevokedBy | null;
  readonly byDeviceId: string | null;
  readonly byDeviceName: string | null;
  readonly personRevokedAt: Date | null;
}

const when = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The refusal for a revoked device or person; null when neither is revoked. */
export function revocationError(f: RevocationFacts): LatchkeyError | null {
  if (f.deviceRevokedAt !== null) {
    const by: RevokedBy = f.deviceRevokedBy ?? 'admin';
    const details: RevocationDetails = { scope: 'device', revokedBy: by, revokedAt: f.deviceRevokedAt.toISOString() };
    let message: string;
    if (by === 'person' && f.byDeviceId !== null) {
      details.byDeviceId = f.byDeviceId;
      if (f.byDeviceName !== null) details.byDeviceName = f.byDeviceName.slice(0, 100);
      const from = f.byDeviceId === f.deviceId ? 'this device' : `your device "${f.byDeviceName ?? 'unnamed'}"`;
      message = `You removed this device from your organisation from ${from} on ${when(f.deviceRevokedAt)}, so it no longer syncs. Un-enrol it in Settings; to use it again, enrol it anew.`;
    } else {
      message = `An administrator removed this device from your organisation on ${when(f.deviceRevokedAt)}, so it no longer syncs. Ask your administrator if this is unexpected.`;
    }
    return new LatchkeyError('device_revoked', message, revocationDetailsSchema.parse(details));
  }
  if (f.personRevokedAt !== null) {
    return new LatchkeyError(
      'device_revoked',
      `Your organisation turned off your access on ${when(f.personRevokedAt)}, so this device no longer syncs. Ask your administrator if this is unexpected.`,
      revocationDetailsSchema.parse({ scope: 'person', revokedBy: 'admin', revokedAt: f.personRevokedAt.toISOString() }),
    );
  }
  return null;
}
