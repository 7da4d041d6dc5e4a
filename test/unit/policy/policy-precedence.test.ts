/** Managed build > OS managed location > personal settings, field by field; "managed by" locks. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertExportAllowed, autoLockMinutes, buildEffectivePolicy, lockedBy, personalPolicy } from '../../../src/core/policy';
import { inMemoryPolicySerials, loadEffectivePolicy } from '../../../src/main/policy';
import { DEFAULT_PERSONAL_SETTINGS, POLICY_FIELDS, effectivePolicySchema } from '../../../src/shared/policy';
import { basePolicy, caught, signedText, tempDirs, type TempDirs } from './helpers';

describe('precedence of policy sources', () => {
  let d: TempDirs;
  beforeEach(async () => {
    d = await tempDirs();
  });
  afterEach(async () => {
    await d.cleanup();
  });

  it('the baked policy wins a field both set; the OS policy fills what the baked one leaves open; personal fills the rest', async () => {
    const baked = path.join(d.managedDir, 'policy.json');
    await writeFile(baked, signedText({ ...basePolicy, session: { autoLockMinutes: 5 } }));
    await writeFile(
      d.osPolicyPath,
      signedText({ version: 1, org: { name: 'Acme IT (OS file)' }, session: { autoLockMinutes: 30, lockOnSleep: true }, export: { allowed: false } }),
    );
    const personal = { ...DEFAULT_PERSONAL_SETTINGS, autoLockMinutes: 20, clipboardClearSeconds: 90 };
    const p = await loadEffectivePolicy({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, serials: inMemoryPolicySerials(), personal });

    expect(p.managed).toBe(true);
    expect(p.orgName).toBe('Acme Corp');
    expect(autoLockMinutes(p)).toBe(5);
    expect(lockedBy(p, 'session.autoLockMinutes')).toEqual({ org: 'Acme Corp', source: 'build', path: baked });
    expect(lockedBy(p, 'session.lockOnSleep')).toEqual({ org: 'Acme Corp', source: 'os', path: d.osPolicyPath });
    expect(caught(() => assertExportAllowed(p)).code).toBe('policy_forbidden');
    // Left open by both: the person's choice, shown as editable.
    expect(lockedBy(p, 'clipboard.clearSeconds')).toBeNull();
    expect(p.personal.clipboardClearSeconds).toBe(90);
    // Plain data: it crosses RPC to the engine and the UI intact.
    expect(effectivePolicySchema.parse(JSON.parse(JSON.stringify(p)))).toEqual(p);
  });

  it('layers that contradict each other fail closed, naming both files', () => {
    const err = caught(() =>
      buildEffectivePolicy([
        { policy: { ...basePolicy, unlock: { hardwareKeyRequired: true } }, source: 'build', path: '/app/managed/policy.json' },
        { policy: { ...basePolicy, unlock: { passwordAllowed: true } }, source: 'os', path: '/etc/latchkey/policy.json' },
      ]),
    );
    expect(err.code).toBe('policy_invalid');
    expect(err.details?.reason).toBe('conflict');
    expect(err.message).toContain('/app/managed/policy.json and /etc/latchkey/policy.json');
  });

  it('lockedBy covers exactly the fields the policy sets', () => {
    const p = buildEffectivePolicy([{ policy: { ...basePolicy, gateway: { enabled: false } }, source: 'os', path: 'x' }]);
    const locked = POLICY_FIELDS.filter((f) => lockedBy(p, f) !== null);
    expect(locked.sort()).toEqual(['gateway.enabled', 'org.serverUrl']);
  });

  it('no managed policy: nothing is locked', () => {
    const p = personalPolicy();
    expect(POLICY_FIELDS.every((f) => lockedBy(p, f) === null)).toBe(true);
  });
});
