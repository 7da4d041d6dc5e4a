/** `latchkey policy keygen|sign|verify`: the IT round trip, exit codes, and no key material in output. */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run, type CliIo } from '../../../src/cli/commands/policy';
import { basePolicy, tempDirs, type TempDirs } from './helpers';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const sink: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  return { sink, out, err, all: () => [...out, ...err].join('\n') };
}

describe('latchkey policy', () => {
  let d: TempDirs;
  let keys: string;
  beforeEach(async () => {
    d = await tempDirs(false);
    keys = path.join(d.root, 'keys');
  });
  afterEach(async () => {
    await d.cleanup();
  });

  it('keygen -> sign -> verify succeeds, and never prints the secret key', async () => {
    const k = io();
    expect(await run(['keygen', '--out', keys], k.sink)).toBe(0);
    const secret = JSON.parse(await readFile(path.join(keys, 'org.key'), 'utf8')).secretKey as string;
    expect((await stat(path.join(keys, 'org.key'))).mode & 0o777).toBe(0o600);

    const policyFile = path.join(d.root, 'policy.json');
    await writeFile(policyFile, JSON.stringify({ ...basePolicy, export: { allowed: false } }));
    const signed = path.join(d.root, 'policy.signed.json');
    const s = io();
    expect(await run(['sign', '--key', path.join(keys, 'org.key'), '--in', policyFile, '--out', signed], s.sink)).toBe(0);

    const v = io();
    expect(await run(['verify', '--org-key', path.join(keys, 'org.pub'), signed], v.sink)).toBe(0);
    expect(v.out.join('\n')).toMatch(/OK: .* "Acme Corp"/);
    expect(v.out.join('\n')).toMatch(/export\.allowed/);
    for (const o of [k, s, v]) expect(o.all()).not.toContain(secret);
  });

  it('keygen refuses to overwrite an existing key pair (exit 3)', async () => {
    expect(await run(['keygen', '--out', keys], io().sink)).toBe(0);
    const again = io();
    expect(await run(['keygen', '--out', keys], again.sink)).toBe(3);
    expect(again.err.join('\n')).toMatch(/never overwritten/);
  });

  it('verify exits 1 with the reason for a tampered file and for a wrong key', async () => {
    await run(['keygen', '--out', keys], io().sink);
    await run(['keygen', '--out', path.join(d.root, 'other')], io().sink);
    const policyFile = path.join(d.root, 'policy.json');
    await writeFile(policyFile, JSON.stringify(basePolicy));
    const signed = path.join(d.root, 'signed.json');
    await run(['sign', '--key', path.join(keys, 'org.key'), '--in', policyFile, '--out', signed], io().sink);

    const wrong = io();
    expect(await run(['verify', '--org-key', path.join(d.root, 'other', 'org.pub'), signed], wrong.sink)).toBe(1);
    expect(wrong.err.join('\n')).toMatch(/signed by key .* trusts only/);

    const env = JSON.parse(await readFile(signed, 'utf8'));
    env.policy.org.name = 'Someone Else';
    await writeFile(signed, JSON.stringify(env));
    const tampered = io();
    expect(await run(['verify', '--org-key', path.join(keys, 'org.pub'), signed], tampered.sink)).toBe(1);
    expect(tampered.err.join('\n')).toMatch(/changed after signing/);
  });

  it('sign refuses an invalid policy (exit 1) and usage errors exit 2, missing files exit 3', async () => {
    await run(['keygen', '--out', keys], io().sink);
    const bad = path.join(d.root, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...basePolicy, gateway: { enabeld: true } }));
    const s = io();
    expect(await run(['sign', '--key', path.join(keys, 'org.key'), '--in', bad, '--out', path.join(d.root, 'x.json')], s.sink)).toBe(1);
    expect(s.err.join('\n')).toMatch(/invalid and was not signed/);

    expect(await run(['sign', '--key', path.join(keys, 'org.key')], io().sink)).toBe(2);
    expect(await run(['verify', path.join(d.root, 'x.json')], io().sink)).toBe(2);
    expect(await run(['frobnicate'], io().sink)).toBe(2);
    expect(await run(['verify', '--org-key', path.join(keys, 'org.pub'), path.join(d.root, 'missing.json')], io().sink)).toBe(3);
  });
});
