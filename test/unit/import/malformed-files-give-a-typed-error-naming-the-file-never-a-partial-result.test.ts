/**
 * Fuzzing every importer with damaged files: each either returns a whole result whose
 * every draft the vault would accept, or throws a LatchkeyError naming the file. No
 * other exception, no hang, and never a result that only the first entries made it into.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LatchkeyError } from '../../../src/shared/errors';
import { itemDraftSchema } from '../../../src/shared/items';
import type { ImportFormat } from '../../../src/core/import';
import { fixture, importBytes, onePux } from './helpers';

const FILE = 'damaged-export.file';

async function check(format: ImportFormat, bytes: Uint8Array): Promise<void> {
  try {
    const r = await importBytes(format, bytes, { fileName: FILE, password: 'pw' });
    for (const i of r.items) {
      expect(itemDraftSchema.safeParse(i.draft).success).toBe(true);
      if (i.apiSuggestion) expect(itemDraftSchema.safeParse(i.apiSuggestion).success).toBe(true);
    }
  } catch (e) {
    if (!(e instanceof LatchkeyError)) throw new Error(`${format}: not a typed error: ${String(e)}`);
    expect(['invalid_input', 'wrong_password', 'unsupported', 'kdf_too_costly']).toContain(e.code);
    expect(e.details?.file).toBe(FILE);
    if (e.code === 'invalid_input') expect(e.message).toContain(FILE);
  }
}

/** A valid file with bytes flipped, cut, or spliced: the damage real files get. */
function damaged(valid: Uint8Array) {
  return fc.oneof(
    fc.nat({ max: valid.length }).map((n) => valid.slice(0, n)),
    fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
      const b = valid.slice();
      for (const [i, x] of flips) b[i] = b[i]! ^ x;
      return b;
    }),
    fc.tuple(fc.nat({ max: valid.length }), fc.uint8Array({ maxLength: 64 })).map(([at, junk]) => new Uint8Array([...valid.slice(0, at), ...junk, ...valid.slice(at)])),
    fc.uint8Array({ maxLength: 512 }),
  );
}

const TEXT_FORMATS: [ImportFormat, string][] = [
  ['chrome_csv', 'chrome.csv'],
  ['firefox_csv', 'firefox.csv'],
  ['safari_csv', 'safari.csv'],
  ['bitwarden_csv', 'bitwarden.csv'],
  ['keepassxc_csv', 'keepassxc.csv'],
  ['onepassword_csv', '1password.csv'],
  ['bitwarden_json', 'bitwarden.json'],
];

describe('damaged files', () => {
  test.each(TEXT_FORMATS)('%s', async (format, name) => {
    await fc.assert(
      fc.asyncProperty(damaged(fixture(name)), (b) => check(format, b)),
      { numRuns: 150 },
    );
  });

  test('Bitwarden JSON with values of the wrong type names the entry', async () => {
    const good = JSON.parse(new TextDecoder().decode(fixture('bitwarden.json'))) as { items: Record<string, unknown>[] };
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: good.items.length - 1 }), fc.constantFrom('type', 'name', 'login', 'fields'), fc.jsonValue(), async (i, key, value) => {
        const j = structuredClone(good);
        j.items[i]![key] = value;
        await check('bitwarden_json', new TextEncoder().encode(JSON.stringify(j)));
      }),
      { numRuns: 150 },
    );
    const j = structuredClone(good);
    j.items[2]!.type = 'three';
    await expect(importBytes('bitwarden_json', new TextEncoder().encode(JSON.stringify(j)), { fileName: 'bw.json' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { file: 'bw.json', entry: 'entry 3 "Visa"' },
    });
  });

  test('1PUX: damaged archives and damaged export.data', async () => {
    const data = new TextDecoder().decode(fixture('1password-export.data.json'));
    await fc.assert(
      fc.asyncProperty(damaged(onePux()), (b) => check('onepassword_1pux', b)),
      { numRuns: 100 },
    );
    await fc.assert(
      fc.asyncProperty(damaged(new TextEncoder().encode(data)), (b) => check('onepassword_1pux', onePux(new TextDecoder().decode(b)))),
      { numRuns: 100 },
    );
  });

  test('KDBX: random and cut headers', async () => {
    const head = new Uint8Array([0x03, 0xd9, 0xa2, 0x9a, 0x67, 0xfb, 0x4b, 0xb5, 0x01, 0x00, 0x04, 0x00]);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 256 }), fc.boolean(), (junk, withHead) => check('kdbx', withHead ? new Uint8Array([...head, ...junk]) : junk)),
      { numRuns: 100 },
    );
  });
});
