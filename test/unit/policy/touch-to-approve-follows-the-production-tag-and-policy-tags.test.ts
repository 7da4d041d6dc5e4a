/**
 * Which credentials need a touch to approve (docs/policy.md `gateway.touchRequiredTags`,
 * `gateway.touchUserVerification`): the `production` tag always, policy's tags on top,
 * compared without case; user verification only when policy asks. Managed layers keep
 * both fields when merged, and malformed tag lists are refused at load.
 */
import { describe, expect, it } from 'vitest';
import { buildEffectivePolicy, personalPolicy, touchRequiredMessage, touchRequirement } from '../../../src/core/policy';
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

  it('a refused use says in plain words what would work, one wording for agents and the terminal', () => {
    const tool = touchRequiredMessage('Stripe live', 'other_tool');
    const terminal = touchRequiredMessage('Stripe live', 'terminal');
    expect(tool).toBe(
      '"Stripe live" is marked high-risk: each use needs a touch of your security key over the exact request, so only an agent\'s http_request through Latchkey can use it.',
    );
    expect(terminal).toBe(`${tool.slice(0, -1)}, not latchkey run or inject.`);
    expect(touchRequiredMessage('Stripe live', 'no_key')).toMatch(/^"Stripe live" is marked high-risk: .*none is\. Ask the person to enrol one in Latchkey\.$/);
    // A name is quoted and cut, so a long or odd title cannot run the sentence on.
    expect(touchRequiredMessage('x'.repeat(500), 'terminal')).toContain(`"${'x'.repeat(128)}" is marked`);
    for (const m of [tool, terminal]) expect(m).not.toMatch(/touchRequired|gateway\./);
  });
});
