/**
 * `npm run format:check` runs Prettier with the project's .prettierrc.json: a file that
 * is not in that shape fails it, one that is passes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');

async function isFormatted(name: string): Promise<boolean> {
  const file = join(root, 'test/fixtures/lint', name);
  const options = await prettier.resolveConfig(file, { editorconfig: false });
  if (options === null) throw new Error('no Prettier config found for the fixture');
  return prettier.check(readFileSync(file, 'utf8'), { ...options, filepath: file });
}

describe('format check', () => {
  it('a file with double quotes, no semicolons and cramped code fails', async () => {
    expect(await isFormatted('unformatted.ts')).toBe(false);
  });
  it('the same code in the project style passes', async () => {
    expect(await isFormatted('formatted.ts')).toBe(true);
  });
});
