/**
 * tryParseStrictJson first tries a cheap proof that no object repeats a member name (the
 * text's member names counted against the parsed value's members, strict-json.ts) and
 * runs its full scan only when that does not prove it. The verdicts must be the scan's
 * on every input: here texts are written with a known answer (a repeated name planted
 * in one object at a chosen depth, or none), in every spelling that could fool a count —
 * whitespace around colons, escaped names ("\u0061" is "a"), string values that look
 * like names (`":x"`), escaped quotes, empty names, __proto__ — and nesting at and past
 * MAX_JSON_DEPTH.
 */
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, memberNameCount, tryParseStrictJson } from '../../../src/shared/encoding/strict-json';

interface Style {
  readonly space: string;
  readonly escapeNames: boolean;
}

const name = (k: string, s: Style): string => (s.escapeNames ? '"' + [...k].map((c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).join('') + '"' : JSON.stringify(k));

/** An object of `depth` levels whose innermost holds `members`; `dupAt` plants a repeated name at that level. */
function text(depth: number, members: readonly [string, string][], s: Style, dupAt?: number): string {
  const sp = s.space;
  let inner =
    '{' + members.map(([k, v]) => `${name(k, s)}${sp}:${sp}${v}`).join(',') + (dupAt === depth && members.length > 0 ? `,${name(members[0]![0], s)}${sp}:${sp}"again"` : '') + '}';
  for (let d = depth - 1; d >= 1; d--) {
    const extra = dupAt === d ? `,${sp}"n"${sp}:${sp}[1,":x"]` : '';
    inner = `{${sp}"n"${sp}:${sp}${inner}${extra},"s":${s.escapeNames ? '"\\":"' : '":s"'}}`;
  }
  return inner;
}

const valueSets: [string, string][][] = [
  [
    ['a', '1'],
    ['b', '":x"'],
  ],
  [
    ['', '"empty name"'],
    ['k', '"a\\"b:"'],
  ],
  [
    ['__proto__', '{}'],
    ['x', '[{"y":":"}]'],
  ],
  [
    ['a', '" :"'],
    ['b', 'null'],
    ['c', '{"d":"\\u0022:"}'],
  ],
];

describe('strict JSON: the member-count proof never changes a verdict', () => {
  it('repeated names at any depth and in any spelling are refused; unique ones accepted', () => {
    let n = 0;
    for (const members of valueSets) {
      for (const space of ['', ' ', '\n\t']) {
        for (const escapeNames of [false, true]) {
          const s = { space, escapeNames };
          for (const depth of [1, 2, 5]) {
            const ok = text(depth, members, s);
            expect(tryParseStrictJson(ok), ok).toMatchObject({ ok: true });
            for (let at = 1; at <= depth; at++) {
              const dup = text(depth, members, s, at);
              expect(tryParseStrictJson(dup), dup).toMatchObject({ ok: false, reason: 'duplicate_key' });
              n++;
            }
          }
        }
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it('nesting at MAX_JSON_DEPTH is accepted and one level more refused, with or without a countable text', () => {
    for (const leaf of ['1', '"\\u0041"']) {
      const nest = (levels: number) => '['.repeat(levels - 1) + `{"a":${leaf}}` + ']'.repeat(levels - 1);
      expect(tryParseStrictJson(nest(MAX_JSON_DEPTH))).toMatchObject({ ok: true });
      expect(tryParseStrictJson(nest(MAX_JSON_DEPTH + 1))).toMatchObject({ ok: false, reason: 'too_deep' });
    }
  });

  it('memberNameCount counts names, not strings, and gives up on a backslash', () => {
    expect(memberNameCount('{"a":":x","b" :{"c":"d"},"e":[":",{"f":1}]}')).toBe(5);
    expect(memberNameCount('{"a":"\\""}')).toBeUndefined();
    expect(memberNameCount('[]')).toBe(0);
  });
});
