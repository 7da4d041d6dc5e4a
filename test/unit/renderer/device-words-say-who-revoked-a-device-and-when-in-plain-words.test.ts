/**
 * Settings → Devices wording (src/renderer/views/device-words.ts): a revoked device says
 * who revoked it (this device, another named device, an administrator, the organisation)
 * and when, without an error code or a field name; last seen reads as a person would say it;
 * and un-enrolling deletes exactly this vault's databases for the scope chosen.
 */
import { describe, expect, it } from 'vitest';
import { enrolledHow, lastSeenWords, lastSyncWords, revocationWords } from '../../../src/renderer/views/device-words';
import { databasesToForget } from '../../../src/core/vault-sync/local-databases';

const ME = '0190a3c4-0000-8000-8000-000000000001';
const PHONE = '0190a3c4-0000-8000-8000-000000000002';
const AT = '2026-03-04T05:06:07.000Z';
const INTERNAL = /device_revoked|revokedBy|byDevice|scope|person"|admin"/;

describe('why a device was revoked', () => {
  it('names the other device it was revoked from', () => {
    const w = revocationWords({ scope: 'device', revokedBy: 'person', revokedAt: AT, byDeviceId: PHONE, byDeviceName: 'Phone' }, ME);
    expect(w).toMatch(/^You removed this device from your device "Phone" on .+\. This device no longer syncs\.$/);
  });
  it('says "from this device" when it revoked itself', () => {
    expect(revocationWords({ scope: 'device', revokedBy: 'person', revokedAt: AT, byDeviceId: ME, byDeviceName: 'Laptop' }, ME)).toContain('from this device');
  });
  it('names an administrator, and the organisation turning off the person', () => {
    expect(revocationWords({ scope: 'device', revokedBy: 'admin', revokedAt: AT }, ME)).toContain('An administrator removed this device');
    expect(revocationWords({ scope: 'person', revokedBy: 'admin', revokedAt: AT }, ME)).toContain('Your organisation turned off your access');
  });
  it('the last-sync line for a revoked device is plain words and offers un-enrolling', () => {
    const line = lastSyncWords(
      {
        at: 0,
        ok: false,
        error: { code: 'device_revoked', message: 'x', revocation: { scope: 'device', revokedBy: 'person', revokedAt: AT, byDeviceId: PHONE, byDeviceName: 'Phone' } },
      },
      ME,
    );
    expect(line).toContain('"Phone"');
    expect(line).toContain('Un-enrol it below');
    expect(line).not.toMatch(INTERNAL);
    // An older server without details still gets a plain sentence.
    expect(lastSyncWords({ at: 0, ok: false, error: { code: 'device_revoked', message: 'x' } }, ME)).toContain('removed from your organisation');
  });
});

describe('device rows', () => {
  it('last seen', () => {
    const now = Date.parse(AT);
    expect(lastSeenWords(null, now)).toBe('Not seen yet');
    expect(lastSeenWords(new Date(now - 30_000).toISOString(), now)).toBe('Seen just now');
    expect(lastSeenWords(new Date(now - 5 * 60_000).toISOString(), now)).toBe('Seen 5 minutes ago');
    expect(lastSeenWords(new Date(now - 3600_000).toISOString(), now)).toBe('Seen 1 hour ago');
    expect(lastSeenWords(new Date(now - 3 * 86_400_000).toISOString(), now)).toMatch(/^Last seen /);
  });
  it('how it enrolled', () => {
    expect(enrolledHow('code')).toBe('with a one-time code');
    expect(enrolledHow('oidc')).toContain('signing in');
  });
});

describe("un-enrolling deletes this vault's databases only", () => {
  const existing = ['latchkey', 'latchkey-audit', 'latchkey-audit-abc_DEF-1', 'latchkey-sync', 'latchkey-inbox', 'latchkey2', 'latchkey2-sync', 'other-audit-x'];
  it('keep: the sync state only', () => {
    expect(databasesToForget('latchkey', 'sync', existing).sort()).toEqual(['latchkey-inbox', 'latchkey-sync']);
  });
  it('wipe: the vault and every chain beside it, never another vault', () => {
    expect(databasesToForget('latchkey', 'all', existing).sort()).toEqual(['latchkey', 'latchkey-audit', 'latchkey-audit-abc_DEF-1', 'latchkey-inbox', 'latchkey-sync']);
  });
});
