/** latchkey://<vault>/<item>/<field> (docs/references.md): strict parsing, escaping that round-trips, and the file forms. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillTemplate, formatReference, parseEnvArg, parseEnvFile, parseReference, resolveReference, templateSlots } from '../../../src/core/references';
import { LatchkeyError } from '../../../src/shared/errors';

function refused(input: string): LatchkeyError {
  try {
    parseReference(input);
  } catch (e) {
    expect(e).toBeInstanceOf(LatchkeyError);
    expect((e as LatchkeyError).code).toBe('invalid_input');
    return e as LatchkeyError;
  }
  throw new Error(`accepted ${input}`);
}

describe('parseReference', () => {
  it('reads names and ids, decoding percent-escapes as UTF-8', () => {
    expect(parseReference('latchkey://Personal/GitHub/secret')).toEqual({ vault: 'Personal', item: 'GitHub', field: 'secret' });
    expect(parseReference('LATCHKEY://Personal/Acme%20API%2Fprod/API%20key')).toEqual({ vault: 'Personal', item: 'Acme API/prod', field: 'API key' });
    expect(parseReference('latchkey://v/caf%C3%A9/p')).toEqual({ vault: 'v', item: 'café', field: 'p' });
    expect(parseReference('latchkey://v/AAAAAAAAAAAAAAAAAAAAAA/custom:ab_1').item).toBe('AAAAAAAAAAAAAAAAAAAAAA');
  });
  it.each([
    ['wrong scheme', 'op://a/b/c'],
    ['two parts', 'latchkey://a/b'],
    ['four parts', 'latchkey://a/b/c/d'],
    ['an empty part', 'latchkey://a//c'],
    ['a trailing slash', 'latchkey://a/b/c/'],
    ['a query', 'latchkey://a/b/c?x=1'],
    ['a fragment', 'latchkey://a/b/c#x'],
    ['a raw space', 'latchkey://a/my item/c'],
    ['a stray percent', 'latchkey://a/100%/c'],
    ['bad hex', 'latchkey://a/%zz/c'],
    ['invalid UTF-8', 'latchkey://a/%C3/c'],
    ['an encoded control character', 'latchkey://a/x%0Ay/c'],
    ['a dot part', 'latchkey://a/../c'],
    ['an encoded dot part', 'latchkey://a/%2E%2E/c'],
    ['a raw non-ASCII character', 'latchkey://a/café/c'],
  ])('refuses %s', (_l, input) => {
    expect(refused(input).message).toMatch(/latchkey:\/\/<vault>\/<item>\/<field>/);
  });
  it('refuses what is too long without scanning it all', () => {
    refused(`latchkey://a/${'x'.repeat(300)}/c`);
    refused(`latchkey://${'a'.repeat(5000)}`);
  });
  it('formatReference round-trips any name', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }), fc.string({ minLength: 1, maxLength: 20 }), (item, field) => {
        fc.pre(![item, field].some((s) => s === '.' || s === '..' || [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\x7f') || /[\uD800-\uDFFF]/.test(s)));
        const ref = { vault: 'Personal', item, field };
        expect(parseReference(formatReference(ref))).toEqual(ref);
      }),
    );
  });
});

describe('references in files', () => {
  it('a template is filled slot by slot; an unclosed slot is an error', () => {
    const t = 'token: {{ latchkey://P/GitHub/secret }}\nurl: {{latchkey://P/DB/url}} end';
    const slots = templateSlots(t);
    expect(slots.map((s) => s.reference.item)).toEqual(['GitHub', 'DB']);
    expect(fillTemplate(t, slots, ['A', 'B'])).toBe('token: A\nurl: B end');
    expect(() => templateSlots('x {{ latchkey://P/a/b')).toThrow(LatchkeyError);
    expect(() => templateSlots('x {{ latchkey://P/a b/c }}')).toThrow(LatchkeyError);
  });
  it('env files and --env read NAME=ref; plain values pass through', () => {
    const lines = parseEnvFile('# c\n\nGH_TOKEN=latchkey://P/GitHub/secret\nexport MODE="prod"\n');
    expect(lines).toEqual([
      { name: 'GH_TOKEN', value: 'latchkey://P/GitHub/secret', reference: { vault: 'P', item: 'GitHub', field: 'secret' } },
      { name: 'MODE', value: 'prod', reference: null },
    ]);
    expect(() => parseEnvFile('1BAD=x')).toThrow(LatchkeyError);
    expect(parseEnvArg('T=latchkey://P/a/b').name).toBe('T');
    expect(() => parseEnvArg('=latchkey://P/a/b')).toThrow(LatchkeyError);
  });
});

describe('resolution by id or name', () => {
  const vaults = [{ id: 'v1', name: 'Personal' }];
  const items = [
    { id: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'GitHub' },
    { id: 'BBBBBBBBBBBBBBBBBBBBBB', name: 'twin' },
    { id: 'CCCCCCCCCCCCCCCCCCCCCC', name: 'Twin' },
    { id: 'DDDDDDDDDDDDDDDDDDDDDD', name: 'AAAAAAAAAAAAAAAAAAAAAA' },
  ];
  const fields = [{ id: 'secret', name: 'secret' }];
  const resolve = (s: string) =>
    resolveReference(
      parseReference(s),
      vaults,
      () => items,
      () => fields,
    );
  it('an id wins over a name that looks like it; names fold case only when unambiguous', () => {
    expect(resolve('latchkey://Personal/AAAAAAAAAAAAAAAAAAAAAA/secret').item.name).toBe('GitHub');
    expect(resolve('latchkey://v1/github/secret').item.id).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect(resolve('latchkey://personal/twin/secret').item.id).toBe('BBBBBBBBBBBBBBBBBBBBBB');
    expect(() => resolve('latchkey://Personal/TWIN/secret')).toThrow(/More than one item/);
    expect(() => resolve('latchkey://Personal/nope/secret')).toThrow(/No item named/);
    expect(() => resolve('latchkey://Personal/GitHub/password')).toThrow(/No field named/);
  });
});
