/**
 * Loading 'electron' from plain Node tries to download the binary (SETUP.md), and
 * everything but the thin shell must run without it. So value imports of 'electron'
 * are allowed only in src/main/app, src/main/index.ts and src/preload; elsewhere only
 * `import type`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const ALLOWED = [/^src\/main\/app\//, /^src\/main\/index\.ts$/, /^src\/preload\//];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|mts|cts)$/.test(e.name) ? [p] : [];
  });
}

describe('electron imports', () => {
  it('appear as values only in the shell; everywhere else they are type-only', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(root, 'src'))) {
      const rel = relative(root, file).split('\\').join('/');
      if (ALLOWED.some((r) => r.test(rel))) continue;
      const text = readFileSync(file, 'utf8');
      const valueImport =
        /^\s*import\s+(?!type\b)[^;]*?from\s+['"]electron['"]/m.test(text) ||
        /\brequire\(\s*['"]electron['"]\s*\)/.test(text) ||
        /\bimport\(\s*['"]electron['"]\s*\)/.test(text) ||
        /^\s*import\s+['"]electron['"]/m.test(text);
      if (valueImport) offenders.push(rel);
    }
    expect(offenders).toEqual([]);
  });
});
