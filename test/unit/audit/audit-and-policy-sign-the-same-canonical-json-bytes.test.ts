/**
 * One canonical JSON for everything signed: policy signing (canonicalPolicyBytes) and
 * audit hashing (jcsBytes, RFC 8785) produce identical bytes on the inputs where
 * canonical-JSON encoders usually part ways — number forms, escapes, non-BMP and
 * non-ASCII text, member order by UTF-16 code units — and both refuse what has no
 * canonical form (a lone surrogate, a non-finite number), so a policy and an audit
 * record can never be signed over differently encoded text.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalPolicyBytes } from '../../../src/core/policy/signature';
import { canonicalizeJcs, type JsonValue } from '../../../src/core/audit';
import { jcsBytes } from '../../../src/core/audit/jcs';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('audit and policy share one canonical JSON', () => {
  it('agree byte for byte on tricky numbers, strings and member order', () => {
    const tricky: [JsonValue, string][] = [
      [{ n: [1e21, 1e-7, -0, 0.1 + 0.2, 5e-324, 2 ** 53 + 2, 1.5e300, 100] }, '{"n":[1e+21,1e-7,0,0.30000000000000004,5e-324,9007199254740994,1.5e+300,100]}'],
      [{ s: 'é€😀\u2028\u0000\u001f"\\/<' }, '{"s":"é€😀\u2028\\u0000\\u001f\\"\\\\/<"}'],
      [{ b: 1, a: 2, B: 3, '\u20ac': 4, '\ud83d\ude00': 5, '\ufb33': 6, aa: 7 }, '{"B":3,"a":2,"aa":7,"b":1,"\u20ac":4,"\ud83d\ude00":5,"\ufb33":6}'],
      [{ z: { y: [true, null, false, {}], x: [] } }, '{"z":{"x":[],"y":[true,null,false,{}]}}'],
    ];
    for (const [value, expected] of tricky) {
      expect(text(jcsBytes(value))).toBe(expected);
      expect(canonicalPolicyBytes(value)).toEqual(jcsBytes(value));
    }
  });

  it('agree on any JSON value, and refuse the same values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalPolicyBytes(v)).toEqual(jcsBytes(v as JsonValue));
      }),
      { numRuns: 300 },
    );
    for (const bad of [{ s: '\ud800' }, { [String.fromCharCode(0xdc00)]: 1 }, { n: Number.NaN }, { n: Infinity }]) {
      expect(() => canonicalizeJcs(bad as JsonValue)).toThrow(/canonicalize/);
      expect(() => canonicalPolicyBytes(bad)).toThrow(/canonicalize/);
    }
  });
});
