/**
 * `npm run lint:unused` runs knip with the project's rules, where every issue type is an
 * error. A throwaway project with the same rules proves it: an export nobody imports
 * fails the run, the same project with the export used passes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const knip = join(import.meta.dirname, '../../../node_modules/.bin/knip');
const dirs: string[] = [];

function project(useIt: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'knip-probe-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'probe', private: true, type: 'module', main: 'main.ts' }));
  // The project's own stance: exports used in their own file do not count, everything else is an error.
  writeFileSync(join(dir, 'knip.json'), JSON.stringify({ entry: ['main.ts'], project: ['*.ts'], ignoreExportsUsedInFile: true, rules: {} }));
  writeFileSync(join(dir, 'lib.ts'), 'export const used = 1;\nexport const orphan = 2;\n');
  writeFileSync(join(dir, 'main.ts'), useIt ? "import { orphan, used } from './lib';\nconsole.log(used, orphan);\n" : "import { used } from './lib';\nconsole.log(used);\n");
  return dir;
}

async function knipExit(dir: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(knip, ['--no-progress', '--no-config-hints'], { cwd: dir });
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string };
    return { code: err.code ?? -1, out: err.stdout ?? '' };
  }
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('unused code check', () => {
  it('an export nobody imports fails the run and is named', async () => {
    const r = await knipExit(project(false));
    expect(r.code).toBe(1);
    expect(r.out).toContain('orphan');
  });
  it('the same export, once imported, passes', async () => {
    const r = await knipExit(project(true));
    expect(r.code).toBe(0);
  });
});
