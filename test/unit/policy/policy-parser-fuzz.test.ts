/**
 * Random input to the policy parser never crashes it: every outcome is either a
 * Policy that satisfies the schema or a typed 'policy_invalid' error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../../../src/shared/errors';
import { policySchema } from '../../../src/shared/policy';
import { verifySignedPolicyText } from '../../../src/core/policy';
import { basePolicy, pinned, signRaw, signedText } from './helpers';

function outcome(text: string): 'ok' | string {
  try {
    const policy = verifySignedPolicyText(text, pinned, 'fuzz.json');
    expect(policySchema.safeParse(policy).success).toBe(true);
    return 'ok';
  } catch (err) {
    // Anything but our typed error is a crash.
    expect(isLatchkeyError(err, 'policy_invalid')).toBe(true);
    return String((err as { details?: { reason?: string } }).details?.reason);
  }
}

const validText = signedText({ ...basePolicy, gateway: { allowedAgents: ['Claude Code'], destinations: { deny: ['evil.test'] } } });

describe('policy parser fuzzing', () => {
  it('arbitrary JSON text', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (text) => {
        outcome(text);
      }),
      { numRuns: 400 },
    );
  });

  it('arbitrary strings (mostly not JSON)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (text) => {
        outcome(text);
      }),
      { numRuns: 400 },
    );
  });

  it('envelope-shaped objects with random parts', () => {
    const env = fc.record(
      {
        policy: fc.jsonValue({ maxDepth: 4 }),
        keyId: fc.oneof(fc.constant(pinned.keyId), fc.string()),
        signature: fc.oneof(fc.string(), fc.base64String()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(env, (e) => {
        // A random signature never verifies, so nothing random is ever accepted.
        expect(outcome(JSON.stringify(e))).not.toBe('ok');
      }),
      { numRuns: 400 },
    );
  });

  it('validly signed random policies: accepted only when schema-valid', () => {
    const sections = fc.record(
      {
        version: fc.oneof(fc.constant(1), fc.integer({ min: -2, max: 5 }), fc.string()),
        org: fc.oneof(fc.constant(basePolicy.org), fc.jsonValue({ maxDepth: 2 })),
        unlock: fc.record(
          {
            hardwareKeyRequired: fc.boolean(),
            passwordAllowed: fc.boolean(),
            minEnrolledKeys: fc.integer({ min: -1, max: 20 }),
          },
          { requiredKeys: [] },
        ),
        gateway: fc.record({ allowedAgents: fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }), bogus: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(sections, (policy) => {
        const result = outcome(signRaw(policy));
        expect(result === 'ok').toBe(policySchema.safeParse(policy).success && (policy as { version?: unknown }).version === 1);
      }),
      { numRuns: 300 },
    );
  });

  it('single-character mutations of a valid signed file are refused (or leave it semantically identical)', () => {
    fc.assert(
      fc.property(fc.nat({ max: validText.length - 1 }), fc.integer({ min: 32, max: 126 }), (pos, code) => {
        const mutated = validText.slice(0, pos) + String.fromCharCode(code) + validText.slice(pos + 1);
        const result = outcome(mutated);
        if (result === 'ok') {
          // Only whitespace-level edits outside the signed values can keep it valid.
          expect(JSON.parse(mutated)).toEqual(JSON.parse(validText));
        }
      }),
      { numRuns: 500 },
    );
  });
});
