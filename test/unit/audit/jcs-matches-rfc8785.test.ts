/**
 * Known answers from RFC 8785 (§3.2.2, §3.2.3, Appendix B): they prove the
 * `canonicalize` package that src/core/audit/jcs.ts wraps (the one canonical-JSON
 * implementation for audit, manifests and policy); the property check proves the
 * wrapper's I-JSON guard never changes the package's output.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { canonicalizeJcs, type JsonValue } from '../../../src/core/audit';

function fromIeeeHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('RFC 8785 JCS', () => {
  it('canonicalizes the RFC 8785 §3.2.2 example (numbers, escapes, literals)', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    expect(canonicalizeJcs(JSON.parse(input) as JsonValue)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const input = String.raw`{
      "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }`;
    const out = canonicalizeJcs(JSON.parse(input) as JsonValue);
    // Compared as text: Object.keys would list the integer-like "1" first.
    expect(out).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('sorts nested members and keeps array order (RFC 8785 §3.2.3)', () => {
    expect(canonicalizeJcs([56, { d: true, 10: null, 1: [] }])).toBe('[56,{"1":[],"10":null,"d":true}]');
  });

  const numbers: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  it.each(numbers)('serializes IEEE 754 %s as %s (RFC 8785 Appendix B)', (hex, expected) => {
    expect(canonicalizeJcs(fromIeeeHex(hex))).toBe(expected);
  });

  it('refuses NaN and Infinity (RFC 8785 Appendix B)', () => {
    expect(() => canonicalizeJcs(fromIeeeHex('7fffffffffffffff'))).toThrow(/not finite/);
    expect(() => canonicalizeJcs(fromIeeeHex('7ff0000000000000'))).toThrow(/not finite/);
  });

  it('refuses lone surrogates (I-JSON) instead of hashing an encoding other verifiers differ on', () => {
    expect(() => canonicalizeJcs({ a: '\ud800' })).toThrow(/surrogate/);
    expect(() => canonicalizeJcs({ '\udc00': 1 })).toThrow(/surrogate/);
    expect(canonicalizeJcs('\ud83d\ude00')).toBe('"\ud83d\ude00"');
  });

  it('refuses values that are not plain JSON data', () => {
    expect(() => canonicalizeJcs(new Date(0) as unknown as JsonValue)).toThrow(/plain object/);
    expect(() => canonicalizeJcs((() => 1) as unknown as JsonValue)).toThrow(/not JSON/);
  });

  it('omits members whose value is undefined (absent optional fields)', () => {
    expect(canonicalizeJcs({ b: 1, a: undefined })).toBe('{"b":1}');
  });

  it('agrees with the independent canonicalize package on random JSON', () => {
    const noLoneSurrogates = (v: unknown): boolean => !/[\uD800-\uDFFF]/.test(JSON.stringify(v) ?? '');
    fc.assert(
      fc.property(fc.jsonValue().filter(noLoneSurrogates), (v) => {
        expect(canonicalizeJcs(v as JsonValue)).toBe(canonicalize(v));
      }),
      { numRuns: 500 },
    );
  });
});
