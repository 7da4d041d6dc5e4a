/**
 * The one strict JSON parser and the one base64url codec (src/shared/encoding) refuse
 * every input that two readers could read differently: repeated member names (also
 * when spelled with escapes, also nested), impossible base64url lengths, non-canonical
 * trailing bits, padding and the other alphabet. Property: canonical encodings of any
 * bytes round-trip, and valid JSON without repeats parses exactly as JSON.parse does.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeBase64urlOrNull, isCanonicalBase64url, toBase64url } from '../../../src/shared/encoding/base64url';
import { parseStrictJson, tryParseStrictJson } from '../../../src/shared/encoding/strict-json';
import { fromBase64url } from '../../../src/core/crypto/bytes';
import { fromBase64url as policyFromBase64url } from '../../../src/core/policy/base64url';
import { LatchkeyError } from '../../../src/shared/errors';

describe('strict JSON', () => {
  it.each([
    '{"outcome":"denied","outcome":"success"}',
    '{"a":1,"\\u0061":2}',
    '{"x":{"k":1,"k":1}}',
    '[{"ok":1},{"b":[{"c":1,"c":2}]}]',
    '{"a":{"":1},"b":2,"b":3}',
    '{"":1,"":2}',
    '{"a\\\\":1,"b":"\\\\","a\\\\":2}',
    '{"q\\"":1,"q\\u0022":2}',
  ])('refuses repeated member names: %s', (text) => {
    const r = tryParseStrictJson(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe('duplicate_key');
    expect(() => parseStrictJson(text)).toThrow(LatchkeyError);
  });

  it('accepts the same name in different objects, names inside strings, and escaped quotes', () => {
    const text = '{"a":{"a":1},"b":[{"a":2},{"a":3}],"s":"\\"a\\":1,\\"a\\"","t":"{\\"a\\":1,\\"a\\":2}"}';
    expect(parseStrictJson(text)).toEqual(JSON.parse(text));
  });

  it('refuses syntax errors and nesting deeper than 64', () => {
    expect(tryParseStrictJson('{"a":1,}')).toMatchObject({ ok: false, reason: 'syntax' });
    expect(tryParseStrictJson('['.repeat(65) + ']'.repeat(65))).toMatchObject({ ok: false, reason: 'too_deep' });
    expect(tryParseStrictJson('['.repeat(64) + ']'.repeat(64)).ok).toBe(true);
  });

  it('a repeated name hidden after escaped backslashes and quotes is still found', () => {
    const obj = '{"k\\\\":"v\\\\","k\\\\\\"":1,"z":"\\"","z":2}';
    expect(tryParseStrictJson(obj)).toMatchObject({ ok: false, reason: 'duplicate_key' });
    expect(tryParseStrictJson('{"k\\\\":"v\\\\","k\\\\\\"":1,"z":"\\""}').ok).toBe(true);
  });

  it('parses any JSON value without repeats exactly as JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const text = JSON.stringify(v);
        expect(parseStrictJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
});

describe('strict base64url', () => {
  it.each(['A', 'AAAAA', 'AB', 'AAB', 'AA==', 'AA+/', 'AA A', 'Ä', 'AAAAAB'])('refuses %s everywhere', (text) => {
    expect(decodeBase64urlOrNull(text)).toBeNull();
    expect(isCanonicalBase64url(text)).toBe(false);
    expect(policyFromBase64url(text)).toBeNull();
    expect(() => fromBase64url(text)).toThrow(LatchkeyError);
  });

  it('round-trips any bytes, and the canonical check agrees with the decoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        const text = toBase64url(bytes);
        expect(isCanonicalBase64url(text)).toBe(true);
        expect(decodeBase64urlOrNull(text)).toEqual(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/), (text) => {
        expect(isCanonicalBase64url(text)).toBe(decodeBase64urlOrNull(text) !== null);
      }),
      { numRuns: 500 },
    );
  });
});
