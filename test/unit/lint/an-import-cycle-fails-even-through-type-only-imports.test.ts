/**
 * Cycles are checked by dependency-cruiser with the project's own rule file
 * (.dependency-cruiser.cjs), because import-x's no-cycle skips `import type` — and the
 * cycle this rule was made for (http/app.ts ↔ its route files) was type-only.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cruise, type ICruiseOptions, type IReporterOutput } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as { forbidden: NonNullable<ICruiseOptions['ruleSet']>['forbidden']; options: ICruiseOptions };

async function violations(dir: string): Promise<string[]> {
  const { exclude: _fixturesExcluded, ...options } = config.options;
  const out: IReporterOutput = await cruise([join('test/fixtures/lint', dir)], { ...options, baseDir: root, validate: true, ruleSet: { forbidden: config.forbidden } });
  if (typeof out.output === 'string') throw new Error('dependency-cruiser returned a report, not a result');
  return out.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
}

describe('import cycles', () => {
  it('two files that import each other only as types are reported as a cycle', async () => {
    const found = await violations('cycle');
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((v) => v.startsWith('no-circular: test/fixtures/lint/cycle/'))).toBe(true);
  });

  it('a one-way type import is not a cycle', async () => {
    expect(await violations('acyclic')).toEqual([]);
  });
});
