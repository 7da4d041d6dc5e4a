/**
 * Decisions about the open vault's lifetime and what may leave it: auto-lock,
 * lock on sleep / screen lock, clipboard clearing, export, the org server, and the
 * "audit must be uploaded" rule. Where policy sets a maximum (auto-lock, clipboard),
 * the person may choose a shorter time but not a longer one, and not "never".
 */
import { LatchkeyError } from '../../shared/errors';
import type { EffectivePolicy } from '../../shared/policy';
import { forbiddenByPolicy } from './rule-error';

/** Idle minutes before the vault locks; 0 = never (only possible without a managed maximum). */
export function autoLockMinutes(p: EffectivePolicy): number {
  return capped(p.personal.autoLockMinutes, p.policy?.session?.autoLockMinutes);
}

/** Refuses a personal auto-lock setting that the policy does not allow. */
export function assertAutoLockSettingAllowed(p: EffectivePolicy, minutes: number): void {
  const max = p.policy?.session?.autoLockMinutes;
  if (max !== undefined && (minutes === 0 || minutes > max)) {
    throw forbiddenByPolicy(
      p,
      'session.autoLockMinutes',
      `Auto-lock after ${minutes === 0 ? 'never' : `${minutes} minutes`} is refused: the vault must lock after at most ${max} idle minutes.`,
    );
  }
}

export function lockOnSleep(p: EffectivePolicy): boolean {
  return p.policy?.session?.lockOnSleep ?? p.personal.lockOnSleep;
}

export function lockOnScreenLock(p: EffectivePolicy): boolean {
  return p.policy?.session?.lockOnScreenLock ?? p.personal.lockOnScreenLock;
}

/** Seconds before a copied secret is cleared; 0 = never (only without a managed maximum). */
export function clipboardClearSeconds(p: EffectivePolicy): number {
  return capped(p.personal.clipboardClearSeconds, p.policy?.clipboard?.clearSeconds);
}

export function assertClipboardSettingAllowed(p: EffectivePolicy, seconds: number): void {
  const max = p.policy?.clipboard?.clearSeconds;
  if (max !== undefined && (seconds === 0 || seconds > max)) {
    throw forbiddenByPolicy(
      p,
      'clipboard.clearSeconds',
      `Keeping copied secrets on the clipboard for ${seconds === 0 ? 'ever' : `${seconds} seconds`} is refused: they must be cleared within ${max} seconds.`,
    );
  }
}

/** Refuses exporting vault contents (any format, decrypted or not). */
export function assertExportAllowed(p: EffectivePolicy): void {
  if (p.policy?.export?.allowed === false) throw forbiddenByPolicy(p, 'export.allowed', 'Exporting the vault is refused.');
}

/** The org server to sync with: policy's, else the person's, else none. */
export function serverUrl(p: EffectivePolicy): string | null {
  return p.policy?.org.serverUrl ?? p.personal.serverUrl;
}

/** Refuses syncing (or enrolling) with a server other than the org's. Compared exactly, after trimming one trailing '/'. */
export function assertServerUrlAllowed(p: EffectivePolicy, url: string): void {
  const fixed = p.policy?.org.serverUrl;
  if (fixed !== undefined && fixed.replace(/\/$/, '') !== url.replace(/\/$/, '')) {
    throw forbiddenByPolicy(p, 'org.serverUrl', `Syncing with ${url} is refused: this device syncs only with ${fixed}.`);
  }
}

export interface AuditUploadRule {
  readonly required: boolean;
  readonly intervalMinutes: number | null;
}

export function auditUploadRule(p: EffectivePolicy): AuditUploadRule {
  const a = p.policy?.audit;
  return a?.uploadRequired === true ? { required: true, intervalMinutes: a.uploadIntervalMinutes ?? null } : { required: false, intervalMinutes: null };
}

/**
 * When policy requires audit upload, refuses (unlock) if the device's last successful
 * upload is older than the interval. `lastUploadAt` and `now` are epoch milliseconds;
 * a device that never uploaded passes the time it enrolled (or its first local audit
 * record) so a new device gets one interval to reach the server, or null to refuse.
 */
export function assertAuditUploadFresh(p: EffectivePolicy, lastUploadAt: number | null, now: number): void {
  const rule = auditUploadRule(p);
  if (!rule.required || rule.intervalMinutes === null) return;
  if (!Number.isFinite(now)) throw new LatchkeyError('invalid_input', 'The current time is not a number.');
  const limitMs = rule.intervalMinutes * 60_000;
  // A last-upload time in the future (clock moved back, or a forged value) is not fresh.
  const fresh = lastUploadAt !== null && Number.isFinite(lastUploadAt) && lastUploadAt <= now && now - lastUploadAt <= limitMs;
  if (fresh) return;
  const since = lastUploadAt === null ? 'has never uploaded its audit log' : `last uploaded its audit log ${describeAge(now - lastUploadAt)}`;
  throw forbiddenByPolicy(
    p,
    'audit.uploadRequired',
    `The vault stays locked: this device ${since}, and it must upload at least every ${rule.intervalMinutes} minutes. Connect to ${p.policy?.org.serverUrl ?? 'the org server'} and sync, then unlock again.`,
  );
}

function describeAge(ms: number): string {
  if (ms < 0) return 'at a time in the future (check the clock)';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 120) return `${minutes} minutes ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} hours ago` : `${Math.floor(hours / 24)} days ago`;
}

/** A personal value (0 = never) under an optional managed maximum. */
function capped(personal: number, max: number | undefined): number {
  if (max === undefined) return personal;
  return personal === 0 ? max : Math.min(personal, max);
}
