/**
 * Settings → Devices in plain words: when a device was last seen, how it enrolled, and
 * why a revoked one stopped. Pure (no React), so the wording is tested under Node.
 */
import type { SyncOutcome } from '../../shared/contracts/device';
import type { EnrolledVia, MyDevice, RevocationDetails } from '../../shared/contracts/my-devices';

const ENROLLED_WORDS: Record<EnrolledVia, string> = {
  code: 'with a one-time code',
  oidc: "by signing in with your organisation's account",
};

export function enrolledHow(via: EnrolledVia): string {
  return ENROLLED_WORDS[via];
}

const MINUTE = 60_000;

/** "just now", "5 minutes ago", "3 hours ago", or the date for anything older than a day. */
export function lastSeenWords(lastSeenAt: string | null, now: number): string {
  if (lastSeenAt === null) return 'Not seen yet';
  const at = Date.parse(lastSeenAt);
  const ago = now - at;
  // The server writes last seen at most once a minute, so anything under two is "just now".
  if (ago < 2 * MINUTE) return 'Seen just now';
  if (ago < 60 * MINUTE) return `Seen ${Math.floor(ago / MINUTE)} minutes ago`;
  if (ago < 24 * 60 * MINUTE) {
    const h = Math.floor(ago / (60 * MINUTE));
    return `Seen ${h} hour${h === 1 ? '' : 's'} ago`;
  }
  return `Last seen ${new Date(at).toLocaleDateString()}`;
}

const when = (iso: string | undefined): string => (iso === undefined ? '' : ` on ${new Date(iso).toLocaleString()}`);

/** Why this device (or its person) was revoked, from the server's typed reason. */
export function revocationWords(r: RevocationDetails, thisDeviceId: string | null): string {
  if (r.scope === 'person') return `Your organisation turned off your access${when(r.revokedAt)}. This device no longer syncs.`;
  if (r.revokedBy === 'admin') return `An administrator removed this device from your organisation${when(r.revokedAt)}. This device no longer syncs.`;
  const from = r.byDeviceId !== undefined && r.byDeviceId === thisDeviceId ? 'from this device' : `from your device "${r.byDeviceName ?? 'another device'}"`;
  return `You removed this device ${from}${when(r.revokedAt)}. This device no longer syncs.`;
}

/** A device row's state: "This device", "Removed by you", "Removed by an administrator". */
export function deviceStateWords(d: MyDevice): string {
  if (d.revokedAt !== null) return d.revokedBy === 'person' ? `Removed by you${when(d.revokedAt)}` : `Removed by an administrator${when(d.revokedAt)}`;
  return d.thisDevice ? 'This device' : 'Active';
}

/** The Settings "last sync" line. */
export function lastSyncWords(lastSync: SyncOutcome | null, thisDeviceId: string): string {
  if (lastSync === null) return 'None yet. Sync starts the next time Latchkey opens after enrolling, then runs every minute.';
  if (lastSync.ok) return `OK at ${new Date(lastSync.at).toLocaleTimeString()}`;
  const e = lastSync.error;
  if (e?.code === 'device_revoked') {
    const why = e.revocation === undefined ? 'This device was removed from your organisation and no longer syncs.' : revocationWords(e.revocation, thisDeviceId);
    return `${why} Un-enrol it below; you can then use Latchkey on its own here, or enrol it again with a new code.`;
  }
  // The organisation's IdP turned the person off (SCIM): its words, as the server sent them.
  if (e?.code === 'access_disabled') return `${e.message} This device no longer syncs; what is on it stays, locked by your own keys.`;
  const tell = e?.code === 'rollback_detected' || e?.code === 'integrity' ? ' Tell your administrator.' : '';
  return `Failed at ${new Date(lastSync.at).toLocaleTimeString()}: ${e?.message ?? 'unknown error'}${tell}`;
}
