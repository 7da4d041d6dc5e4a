/**
 * The last-sync status line in plain words (Settings → Organisation server). The
 * worker's failure carries an error code and the engine's message; the codes a person
 * can do something about get a sentence that says what, the rest the message as is.
 */
import type { SyncStatus } from '../../shared/contracts/engine';

const time = (at: number): string => new Date(at).toLocaleString();

function failureWords(code: string, message: string): string {
  switch (code) {
    case 'upstream_failed':
    case 'timeout':
      return `${message} Latchkey tries again every minute.`;
    case 'device_revoked':
      return 'Your organisation revoked this device, so it no longer syncs. Ask your administrator to enrol it again.';
    case 'unauthorized':
    case 'forbidden':
      return `The organisation server refused this device: ${message} Ask your administrator.`;
    case 'rollback_detected':
    case 'integrity':
      return `${message} Tell your administrator.`;
    default:
      return message;
  }
}

/** "Last synced …" and, after a failure, when and why it failed. */
export function syncStatusWords(s: SyncStatus): { success: string; failure: string | null } {
  const success = s.lastSuccessAt === null ? 'Not synced yet since Latchkey opened.' : `Last synced ${time(s.lastSuccessAt)}.`;
  const failure = s.lastFailure === null ? null : `The last sync failed (${time(s.lastFailure.at)}): ${failureWords(s.lastFailure.code, s.lastFailure.message)}`;
  return { success, failure };
}
