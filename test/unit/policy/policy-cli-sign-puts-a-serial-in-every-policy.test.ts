/** `latchkey policy sign` always signs a serial: --serial N, else the file's own, else the time in seconds; bad values are usage errors. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run, type CliIo } from '../../../src/cli/commands/policy';
import { basePolicy, tempDirs, type TempDirs } from './helpers';

const sink: CliIo = { out: () => undefined, err: () => undefined };

describe('latchkey policy sign and serials', () => {
  let d: TempDirs;
  let key: string;
  beforeEach(async () => {
    d = await tempDirs(false);
    expect(await run(['keygen', '--out', path.join(d.root, 'keys')], sink)).toBe(0);
    key = path.join(d.root, 'keys', 'org.key');
  });
  afterEach(async () => {
    await d.cleanup();
  });

  async function signed(policy: object, extra: string[] = []): Promise<{ code: number; serial?: unknown; out: string[] }> {
    const inFile = path.join(d.root, 'in.json');
    const outFile = path.join(d.root, `out-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(inFile, JSON.stringify(policy));
    const out: string[] = [];
    const code = await run(['sign', '--key', key, '--in', inFile, '--out', outFile, ...extra], { out: (l) => out.push(l), err: (l) => out.push(l) });
    if (code !== 0) return { code, out };
    return { code, serial: (JSON.parse(await readFile(outFile, 'utf8')) as { policy: { serial?: unknown } }).policy.serial, out };
  }

  it('--serial N is signed into the policy and printed', async () => {
    const r = await signed(basePolicy, ['--serial', '42']);
    expect(r).toMatchObject({ code: 0, serial: 42 });
    expect(r.out.join('\n')).toContain('serial 42');
  });

  it("without --serial the policy's own serial is kept", async () => {
    expect(await signed({ ...basePolicy, serial: 7 })).toMatchObject({ code: 0, serial: 7 });
  });

  it('with neither, the serial is the signing time in seconds (so a later signing is higher)', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await signed(basePolicy);
    expect(r.code).toBe(0);
    expect(r.serial as number).toBeGreaterThanOrEqual(before);
    expect(r.serial as number).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('a malformed --serial is a usage error (exit 2); a malformed serial in the file is refused (exit 1)', async () => {
    for (const bad of ['0', '-3', '1.5', 'x', '9007199254740993']) expect((await signed(basePolicy, ['--serial', bad])).code).toBe(2);
    expect((await signed({ ...basePolicy, serial: 'seven' })).code).toBe(1);
  });
});
