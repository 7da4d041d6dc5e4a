/** The shipped example policy is valid and signable, and docs/policy.md documents every field. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildEffectivePolicy, verifySignedPolicyText } from '../../../src/core/policy';
import { POLICY_FIELDS, policySchema } from '../../../src/shared/policy';
import { pinned, signedText } from './helpers';

describe('resources/policy.example.json and docs/policy.md', () => {
  it('the example is schema-valid, signs, verifies, and sets every field', async () => {
    const example = JSON.parse(await readFile('resources/policy.example.json', 'utf8'));
    expect(policySchema.safeParse(example).success).toBe(true);
    const policy = verifySignedPolicyText(signedText(example), pinned, 'example');
    const p = buildEffectivePolicy([{ policy, source: 'os', path: 'example' }]);
    expect(POLICY_FIELDS.filter((f) => p.locks[f] === undefined)).toEqual([]);
  });

  it('docs/policy.md has a row for every field', async () => {
    const doc = await readFile('docs/policy.md', 'utf8');
    for (const field of POLICY_FIELDS) expect(doc, field).toContain(`\`${field}\``);
  });
});
