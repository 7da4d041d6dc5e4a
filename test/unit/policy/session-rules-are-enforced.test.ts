/** Auto-lock, sleep/screen lock, clipboard, export, server and audit-upload rules at their decision functions. */
import { describe, expect, it } from 'vitest';
import {
  assertAuditUploadFresh,
  assertAutoLockSettingAllowed,
  assertClipboardSettingAllowed,
  assertExportAllowed,
  assertServerUrlAllowed,
  autoLockMinutes,
  clipboardClearSeconds,
  lockOnScreenLock,
  lockOnSleep,
  personalPolicy,
  serverUrl,
} from '../../../src/core/policy';
import { DEFAULT_PERSONAL_SETTINGS } from '../../../src/shared/policy';
import { managed, forbidden } from './helpers';

const MIN = 60_000;

describe('session.autoLockMinutes is a maximum', () => {
  it('caps a longer personal choice and replaces "never"', () => {
    expect(autoLockMinutes(managed({ session: { autoLockMinutes: 10 } }, { ...DEFAULT_PERSONAL_SETTINGS, autoLockMinutes: 60 }))).toBe(10);
    expect(autoLockMinutes(managed({ session: { autoLockMinutes: 10 } }, { ...DEFAULT_PERSONAL_SETTINGS, autoLockMinutes: 0 }))).toBe(10);
  });
  it('keeps a shorter personal choice', () => {
    expect(autoLockMinutes(managed({ session: { autoLockMinutes: 10 } }, { ...DEFAULT_PERSONAL_SETTINGS, autoLockMinutes: 5 }))).toBe(5);
  });
  it('refuses a settings change to longer or never', () => {
    const p = managed({ session: { autoLockMinutes: 10 } });
    forbidden(() => assertAutoLockSettingAllowed(p, 0), 'session.autoLockMinutes');
    forbidden(() => assertAutoLockSettingAllowed(p, 11), 'session.autoLockMinutes');
    expect(() => assertAutoLockSettingAllowed(p, 10)).not.toThrow();
  });
  it('unmanaged: the person may choose never', () => {
    const p = personalPolicy({ ...DEFAULT_PERSONAL_SETTINGS, autoLockMinutes: 0 });
    expect(autoLockMinutes(p)).toBe(0);
    expect(() => assertAutoLockSettingAllowed(p, 0)).not.toThrow();
  });
});

describe('session.lockOnSleep and session.lockOnScreenLock override the person', () => {
  it('policy true wins over a personal false', () => {
    const personal = { ...DEFAULT_PERSONAL_SETTINGS, lockOnSleep: false, lockOnScreenLock: false };
    const p = managed({ session: { lockOnSleep: true, lockOnScreenLock: true } }, personal);
    expect(lockOnSleep(p)).toBe(true);
    expect(lockOnScreenLock(p)).toBe(true);
    expect(lockOnSleep(personalPolicy(personal))).toBe(false);
  });
});

describe('clipboard.clearSeconds is a maximum', () => {
  it('caps and refuses "never"', () => {
    const p = managed({ clipboard: { clearSeconds: 20 } }, { ...DEFAULT_PERSONAL_SETTINGS, clipboardClearSeconds: 0 });
    expect(clipboardClearSeconds(p)).toBe(20);
    forbidden(() => assertClipboardSettingAllowed(p, 0), 'clipboard.clearSeconds');
    forbidden(() => assertClipboardSettingAllowed(p, 45), 'clipboard.clearSeconds');
    expect(() => assertClipboardSettingAllowed(p, 5)).not.toThrow();
  });
});

describe('export.allowed', () => {
  it('false refuses export; absent or true allows it', () => {
    forbidden(() => assertExportAllowed(managed({ export: { allowed: false } })), 'export.allowed');
    expect(() => assertExportAllowed(managed({ export: { allowed: true } }))).not.toThrow();
    expect(() => assertExportAllowed(personalPolicy())).not.toThrow();
  });
});

describe('org.serverUrl', () => {
  it('fixes the sync server and refuses another', () => {
    const p = managed({}, { ...DEFAULT_PERSONAL_SETTINGS, serverUrl: 'https://personal.test' });
    expect(serverUrl(p)).toBe('https://latchkey.acme.test');
    forbidden(() => assertServerUrlAllowed(p, 'https://evil.test'), 'org.serverUrl');
    expect(() => assertServerUrlAllowed(p, 'https://latchkey.acme.test/')).not.toThrow();
    expect(serverUrl(personalPolicy({ ...DEFAULT_PERSONAL_SETTINGS, serverUrl: 'https://personal.test' }))).toBe('https://personal.test');
  });
});

describe('audit.uploadRequired + uploadIntervalMinutes block unlock when stale', () => {
  const p = managed({ audit: { uploadRequired: true, uploadIntervalMinutes: 60 } });
  const now = Date.UTC(2026, 10, 23, 12, 0, 0);
  it('allows unlock within the interval', () => {
    expect(() => assertAuditUploadFresh(p, now - 59 * MIN, now)).not.toThrow();
    expect(() => assertAuditUploadFresh(p, now - 60 * MIN, now)).not.toThrow();
  });
  it('refuses after the interval with a message that says what to do', () => {
    const err = forbidden(() => assertAuditUploadFresh(p, now - 3 * 60 * MIN, now), 'audit.uploadRequired');
    expect(err.message).toMatch(/last uploaded its audit log 3 hours ago/);
    expect(err.message).toMatch(/at least every 60 minutes/);
    expect(err.message).toContain('https://latchkey.acme.test');
  });
  it('refuses a device that never uploaded, and a last upload in the future (clock games)', () => {
    forbidden(() => assertAuditUploadFresh(p, null, now), 'audit.uploadRequired');
    forbidden(() => assertAuditUploadFresh(p, now + 10 * MIN, now), 'audit.uploadRequired');
  });
  it('does nothing when not required', () => {
    expect(() => assertAuditUploadFresh(managed({ audit: { uploadRequired: false } }), null, now)).not.toThrow();
    expect(() => assertAuditUploadFresh(personalPolicy(), null, now)).not.toThrow();
  });
});
