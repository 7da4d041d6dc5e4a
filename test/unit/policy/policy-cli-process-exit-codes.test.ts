/** The real `latchkey` entry point dispatches to `policy` and returns its exit codes to the shell. */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basePolicy, orgKeys, otherKeys, signedText, tempDirs, type TempDirs } from './helpers';

const tsx = path.resolve('node_modules/.bin/tsx');
function latchkey(...args: string[]) {
  return spawnSync(tsx, ['src/cli/index.ts', ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

describe('latchkey policy verify as a process', () => {
  let d: TempDirs;
  beforeAll(async () => {
    d = await tempDirs(false);
    await writeFile(path.join(d.root, 'org.pub'), JSON.stringify(orgKeys.publicKey));
    await writeFile(path.join(d.root, 'good.json'), signedText(basePolicy));
    await writeFile(path.join(d.root, 'other.json'), signedText(basePolicy, otherKeys));
  });
  afterAll(async () => {
    await d.cleanup();
  });

  it('exit 0 for a valid file, 1 for a wrong key, 2 for bad usage', () => {
    const ok = latchkey('policy', 'verify', '--org-key', path.join(d.root, 'org.pub'), path.join(d.root, 'good.json'));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^OK: /);
    const wrong = latchkey('policy', 'verify', '--org-key', path.join(d.root, 'org.pub'), path.join(d.root, 'other.json'));
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/signed by key/);
    expect(latchkey('policy', 'verify').status).toBe(2);
  });
});
