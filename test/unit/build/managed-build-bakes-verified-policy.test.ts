/**
 * build:managed writes the signed policy and the pinned key for the build only after
 * verifying them the way the app will, and the result loads as a managed policy.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, prepareManagedBuild } from '../../../build/managed-build';
import { inMemoryPolicySerials, loadEffectivePolicy } from '../../../src/main/policy';
import { assertExportAllowed } from '../../../src/core/policy';
import { basePolicy, orgKeys, otherKeys, signedText } from '../policy/helpers';

describe('npm run build:managed', () => {
  let dir: string;
  let pub: string;
  let policy: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lk-managed-'));
    pub = path.join(dir, 'org.pub');
    policy = path.join(dir, 'policy.signed.json');
    await writeFile(pub, JSON.stringify(orgKeys.publicKey, null, 2));
    await writeFile(policy, signedText({ ...basePolicy, export: { allowed: false } }));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes policy.json + org-policy-key that the app loads as managed, byte for byte', async () => {
    const out = path.join(dir, 'out');
    const r = await prepareManagedBuild({ policyPath: policy, orgKeyPath: pub, outDir: out });
    expect(r.orgName).toBe('Acme Corp');
    expect(r.keyId).toBe(orgKeys.publicKey.keyId);
    expect((await readdir(out)).sort()).toEqual(['manifest.json', 'org-policy-key', 'policy.json']);
    expect(await readFile(path.join(out, 'policy.json'), 'utf8')).toBe(await readFile(policy, 'utf8'));

    const effective = await loadEffectivePolicy({ managedDir: out, osPolicyPath: null, serials: inMemoryPolicySerials() });
    expect(effective.managed).toBe(true);
    expect(effective.locks['export.allowed']?.source).toBe('build');
    expect(() => assertExportAllowed(effective)).toThrow(/Acme Corp/);
  });

  it('refuses a policy signed by another key, and writes nothing', async () => {
    await writeFile(policy, signedText(basePolicy, otherKeys));
    const out = path.join(dir, 'out');
    await expect(prepareManagedBuild({ policyPath: policy, orgKeyPath: pub, outDir: out })).rejects.toMatchObject({ code: 'policy_invalid', details: { reason: 'wrong_key' } });
    await expect(readdir(out)).rejects.toThrow();
  });

  it('refuses a tampered policy and an unsigned one', async () => {
    const env = JSON.parse(await readFile(policy, 'utf8'));
    env.policy.export.allowed = true;
    await writeFile(policy, JSON.stringify(env));
    await expect(prepareManagedBuild({ policyPath: policy, orgKeyPath: pub, outDir: path.join(dir, 'o1') })).rejects.toMatchObject({ details: { reason: 'bad_signature' } });
    await writeFile(policy, JSON.stringify(basePolicy));
    await expect(prepareManagedBuild({ policyPath: policy, orgKeyPath: pub, outDir: path.join(dir, 'o2') })).rejects.toMatchObject({ details: { reason: 'unsigned' } });
  });

  it('the script entry point: exit 0 on success, 1 when refused, 2 on usage, 3 on a missing file', async () => {
    const quiet = { write: () => true };
    const saved = [process.stdout.write, process.stderr.write];
    process.stdout.write = quiet.write;
    process.stderr.write = quiet.write;
    try {
      expect(await main(['--policy', policy, '--org-key', pub, '--out', path.join(dir, 'm')])).toBe(0);
      await writeFile(policy, signedText(basePolicy, otherKeys));
      expect(await main(['--policy', policy, '--org-key', pub, '--out', path.join(dir, 'n')])).toBe(1);
      expect(await main(['--policy', policy])).toBe(2);
      expect(await main(['--policy', path.join(dir, 'nope.json'), '--org-key', pub])).toBe(3);
    } finally {
      process.stdout.write = saved[0]!;
      process.stderr.write = saved[1]!;
    }
  });
});
