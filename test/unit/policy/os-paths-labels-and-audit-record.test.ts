/** OS managed locations, the UI's "managed by" label, and the audit record of a policy change. */
import { describe, expect, it } from 'vitest';
import { managedByLabel, personalPolicy } from '../../../src/core/policy';
import { managedResourcesDir, osPolicyPath, policyChangeAuditEvent } from '../../../src/main/policy';
import { auditEventSchema } from '../../../src/shared/contracts/engine';
import { auditReasonSchema } from '../../../src/core/audit';
import { basePolicy, managed } from './helpers';

describe('OS managed policy locations', () => {
  it('Linux, macOS and Windows (with and without %ProgramData%)', () => {
    expect(osPolicyPath('linux', {})).toBe('/etc/latchkey/policy.json');
    expect(osPolicyPath('darwin', {})).toBe('/Library/Application Support/Latchkey/policy.json');
    expect(osPolicyPath('win32', { ProgramData: 'D:\\PD' })).toBe('D:\\PD\\Latchkey\\policy.json');
    expect(osPolicyPath('win32', {})).toBe('C:\\ProgramData\\Latchkey\\policy.json');
    expect(osPolicyPath('aix', {})).toBeNull();
  });
  it('the managed resources dir is <resources>/managed when packaged, resources/ from source', () => {
    expect(managedResourcesDir('/opt/Latchkey/resources', '/src')).toBe('/opt/Latchkey/resources/managed');
    expect(managedResourcesDir(undefined, '/src')).toBe('/src/resources');
  });
});

describe('managed-by label', () => {
  it('names the org for locked fields only', () => {
    const p = managed({ export: { allowed: false } });
    expect(managedByLabel(p, 'export.allowed')).toBe('Managed by Acme Corp');
    expect(managedByLabel(p, 'clipboard.clearSeconds')).toBeNull();
    expect(managedByLabel(personalPolicy(), 'export.allowed')).toBeNull();
  });
});

describe('policy change audit record', () => {
  it('is a valid engine audit event, success with the key id, or failure with the reason', () => {
    const ok = policyChangeAuditEvent({
      previous: null,
      trigger: 'file',
      changedFields: ['export.allowed'],
      next: { status: 'ok', policy: managed({ ...basePolicy, export: { allowed: false } }) },
    });
    expect(auditEventSchema.parse(ok)).toMatchObject({ action: 'policy.load', outcome: 'success' });
    expect(ok.reason).toBe('file');
    expect(ok.target?.policyKeyId).toMatch(/^[0-9a-f]{16}$/);
    // The signed audit log only takes reasons from its fixed vocabulary; a reason it refuses would drop the record.
    expect(auditReasonSchema.safeParse(ok.reason).success).toBe(true);

    const bad = policyChangeAuditEvent({
      previous: null,
      trigger: 'file',
      changedFields: [],
      next: { status: 'invalid', error: { code: 'policy_invalid', message: 'x', details: { reason: 'bad_signature', file: '/etc/latchkey/policy.json' } } },
    });
    expect(auditEventSchema.parse(bad)).toMatchObject({ outcome: 'failure', reason: 'bad_signature' });
    expect(auditReasonSchema.safeParse(bad.reason).success).toBe(true);
  });
});
