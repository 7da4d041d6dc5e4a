/**
 * A managed policy that cannot be trusted keeps the vault shut, and says which file
 * and why — each failure with its own reason and message.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifySignedPolicyText } from '../../../src/core/policy';
import { inMemoryPolicySerials, loadEffectivePolicy, loadPolicyState } from '../../../src/main/policy';
import { basePolicy, caught, orgKeys, otherKeys, pinned, signRaw, signedText, tempDirs, type TempDirs } from './helpers';

const FILE = '/etc/latchkey/policy.json';

function refusal(text: string) {
  const err = caught(() => verifySignedPolicyText(text, pinned, FILE));
  expect(err.code).toBe('policy_invalid');
  expect(err.message).toContain(FILE);
  expect(err.details?.file).toBe(FILE);
  return err;
}

describe('verifySignedPolicyText refuses untrusted policy files, each with its own reason', () => {
  it('accepts a correctly signed policy', () => {
    expect(verifySignedPolicyText(signedText(basePolicy), pinned, FILE)).toEqual(basePolicy);
  });

  it('tampered: a value changed after signing', () => {
    const env = JSON.parse(signedText({ ...basePolicy, export: { allowed: false } }));
    env.policy.export.allowed = true;
    const err = refusal(JSON.stringify(env));
    expect(err.details?.reason).toBe('bad_signature');
    expect(err.message).toMatch(/changed after signing/);
  });

  it('tampered: a field added after signing', () => {
    const env = JSON.parse(signedText(basePolicy));
    env.policy.gateway = { enabled: true };
    expect(refusal(JSON.stringify(env)).details?.reason).toBe('bad_signature');
  });

  it('unsigned: a bare policy document', () => {
    const err = refusal(JSON.stringify(basePolicy));
    expect(err.details?.reason).toBe('unsigned');
    expect(err.message).toMatch(/is not signed/);
  });

  it('wrong key: signed by another org key', () => {
    const err = refusal(signedText(basePolicy, otherKeys));
    expect(err.details?.reason).toBe('wrong_key');
    expect(err.message).toContain(otherKeys.publicKey.keyId);
    expect(err.message).toContain(orgKeys.publicKey.keyId);
  });

  it('wrong key presenting the pinned key id: the signature does not verify', () => {
    const env = JSON.parse(signedText(basePolicy, otherKeys));
    env.keyId = orgKeys.publicKey.keyId;
    expect(refusal(JSON.stringify(env)).details?.reason).toBe('bad_signature');
  });

  it('future version: validly signed version 2', () => {
    // signPolicy refuses a version it does not know, so sign the bytes as a newer tool would.
    const err = refusal(signRaw({ ...basePolicy, version: 2 }));
    expect(err.details?.reason).toBe('future_version');
    expect(err.message).toMatch(/version 2; this Latchkey understands version 1 only/);
  });

  it('unknown version: validly signed but version 0 / missing', () => {
    expect(refusal(signRaw({ ...basePolicy, version: 0 })).details?.reason).toBe('unknown_version');
    const { version: _v, ...noVersion } = basePolicy;
    expect(refusal(signRaw(noVersion)).details?.reason).toBe('unknown_version');
  });

  it('malformed JSON', () => {
    const err = refusal('{"policy": {"version": 1,');
    expect(err.details?.reason).toBe('malformed');
    expect(err.message).toMatch(/not valid JSON/);
  });

  it('a repeated member name is refused, not read last-value-wins (the signature covers one reading only)', () => {
    const text = signedText(basePolicy);
    const twice = text.replace('{', '{"keyId":"x",');
    expect(JSON.parse(twice)).toEqual(JSON.parse(text)); // what a loose parser would accept
    const err = refusal(twice);
    expect(err.details?.reason).toBe('malformed');
    expect(err.message).toMatch(/"keyId" appears twice/);
  });

  it('schema-invalid though validly signed: an unknown field is refused, not ignored', () => {
    const err = refusal(signRaw({ ...basePolicy, unlock: { hardwareKeyRequierd: true } }));
    expect(err.details?.reason).toBe('invalid');
    expect(err.message).toMatch(/unlock/);
  });

  it('schema-invalid: a "__proto__" member is an unknown field, not a prototype', () => {
    const text = signRaw(JSON.parse('{"version":1,"org":{"name":"Acme Corp"},"__proto__":{"export":{"allowed":true}}}'));
    expect(refusal(text).details?.reason).toBe('invalid');
  });

  it('schema-invalid: contradictory rules', () => {
    const err = refusal(signRaw({ ...basePolicy, unlock: { hardwareKeyRequired: true, passwordAllowed: true } }));
    expect(err.details?.reason).toBe('invalid');
    expect(err.message).toMatch(/passwordAllowed/);
  });

  it('a malformed envelope (bad signature encoding)', () => {
    const env = JSON.parse(signedText(basePolicy));
    env.signature = 'not base64';
    expect(refusal(JSON.stringify(env)).details?.reason).toBe('envelope');
  });

  it('an oversized file', () => {
    expect(refusal(' '.repeat(300 * 1024)).details?.reason).toBe('too_large');
  });
});

describe('the loader fails closed and names the file', () => {
  let d: TempDirs;
  beforeEach(async () => {
    d = await tempDirs();
  });
  afterEach(async () => {
    await d.cleanup();
  });

  it('a tampered OS policy: the state is invalid and says the vault stays shut', async () => {
    const env = JSON.parse(signedText({ ...basePolicy, export: { allowed: false } }));
    env.policy.export.allowed = true;
    await writeFile(d.osPolicyPath, JSON.stringify(env));
    const state = await loadPolicyState({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, serials: inMemoryPolicySerials() });
    expect(state.status).toBe('invalid');
    if (state.status !== 'invalid') return;
    expect(state.error.code).toBe('policy_invalid');
    expect(state.error.message).toContain(d.osPolicyPath);
    expect(state.error.message).toMatch(/will not open the vault/);
  });

  it('a tampered BAKED policy fails closed even when the OS policy is fine', async () => {
    const env = JSON.parse(signedText(basePolicy));
    env.policy.org.name = 'Evil';
    await writeFile(path.join(d.managedDir, 'policy.json'), JSON.stringify(env));
    await writeFile(d.osPolicyPath, signedText(basePolicy));
    await expect(loadEffectivePolicy({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, serials: inMemoryPolicySerials() })).rejects.toMatchObject({
      code: 'policy_invalid',
      details: { reason: 'bad_signature', file: path.join(d.managedDir, 'policy.json') },
    });
  });

  it('a managed build (pinned key) with no policy anywhere fails closed: deleting the file is not a way out', async () => {
    await expect(loadEffectivePolicy({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, serials: inMemoryPolicySerials() })).rejects.toMatchObject({
      code: 'policy_invalid',
      details: { reason: 'missing' },
    });
  });

  it('an OS policy on a build that pins no key fails closed', async () => {
    const u = await tempDirs(false);
    try {
      await writeFile(u.osPolicyPath, signedText(basePolicy));
      await expect(loadEffectivePolicy({ managedDir: u.managedDir, osPolicyPath: u.osPolicyPath, serials: inMemoryPolicySerials() })).rejects.toMatchObject({
        code: 'policy_invalid',
        details: { reason: 'no_pinned_key', file: u.osPolicyPath },
      });
    } finally {
      await u.cleanup();
    }
  });

  it('a damaged pinned key fails closed', async () => {
    await writeFile(path.join(d.managedDir, 'org-policy-key'), '{"format":"latchkey-org-policy-key"}');
    await expect(loadEffectivePolicy({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, serials: inMemoryPolicySerials() })).rejects.toMatchObject({
      code: 'policy_invalid',
      details: { reason: 'bad_key' },
    });
  });

  it('an unreadable policy path (a directory) fails closed rather than counting as absent', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(d.osPolicyPath);
    await expect(loadEffectivePolicy({ managedDir: d.managedDir, osPolicyPath: d.osPolicyPath, serials: inMemoryPolicySerials() })).rejects.toMatchObject({
      code: 'policy_invalid',
      details: { reason: 'unreadable' },
    });
  });

  it('no pinned key and no managed file: safe personal defaults', async () => {
    const u = await tempDirs(false);
    try {
      const p = await loadEffectivePolicy({ managedDir: u.managedDir, osPolicyPath: u.osPolicyPath, serials: inMemoryPolicySerials() });
      expect(p.managed).toBe(false);
      expect(p.personal.autoLockMinutes).toBe(15);
      expect(p.personal.runCommandEnabled).toBe(false);
    } finally {
      await u.cleanup();
    }
  });

  it("the repo's own resources/ (empty key slot, example policy only) loads as unmanaged", async () => {
    const p = await loadEffectivePolicy({ managedDir: path.resolve('resources'), osPolicyPath: null, serials: inMemoryPolicySerials() });
    expect(p.managed).toBe(false);
  });
});
