/**
 * Which credentials need a touch to approve (docs/policy.md `gateway.touchRequiredTags`,
 * `gateway.touchUserVerification`): the `production` tag always, policy's tags on top,
 * compared without case; user verification only when policy asks. Managed layers keep
 * both fields when merged, and malformed tag lists are refused at load.
 */
import { describe, expect, it } from 'vitest';
import { buildEffectivePolicy, personalPolicy, touchRequirement } from '../../../src/core/policy';
import { policySchema, type Policy } from '../../../src/shared/policy';

const managed = (gateway: Policy['gateway']) => buildEffectivePolicy([{ policy: { version: 1, org: { name: 'Acme' }, gateway }, source: 'os', path: 'policy.json' }]);

describe('touch to approve follows the production tag and policy tags', () => {
  it('production always; policy tags without case; UV only when policy says', () => {
    const none = personalPolicy();
    expect(touchRequirement(none, ['Production'])).toEqual({ uv: false });
    expect(touchRequirement(none, ['ci', 'payments'])).toBeNull();
    expect(touchRequirement(none, undefined)).toBeNull();
    expect(touchRequirement(none, [])).toBeNull();

    const p = managed({ touchRequiredTags: ['Payments'], touchUserVerification: true });
    expect(p.locks['gateway.touchRequiredTags']).toBeDefined();
    expect(p.locks['gateway.touchUserVerification']).toBeDefined();
    expect(touchRequirement(p, ['PAYMENTS'])).toEqual({ uv: true });
    expect(touchRequirement(p, ['production'])).toEqual({ uv: true });
    expect(touchRequirement(p, ['staging'])).toBeNull();
  });

  it('refuses an empty tag, an over-long one, or more than 64', () => {
    const base = { version: 1, org: { name: 'Acme' } };
    expect(policySchema.safeParse({ ...base, gateway: { touchRequiredTags: [''] } }).success).toBe(false);
    expect(policySchema.safeParse({ ...base, gateway: { touchRequiredTags: ['x'.repeat(65)] } }).success).toBe(false);
    expect(policySchema.safeParse({ ...base, gateway: { touchRequiredTags: Array.from({ length: 65 }, (_, i) => `t${i}`) } }).success).toBe(false);
    expect(policySchema.safeParse({ ...base, gateway: { touchUserVerification: 'yes' } }).success).toBe(false);
  });
});
