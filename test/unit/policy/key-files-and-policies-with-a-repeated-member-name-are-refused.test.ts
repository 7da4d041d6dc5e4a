/**
 * Strict parsing of what is signed: an org public key file, an org signing key file or
 * a policy to sign with a repeated member name is refused with a typed error (engine)
 * or exit 1 and the reason (CLI), never read last-value-wins. Each case is one that
 * JSON.parse would accept.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run, type CliIo } from '../../../src/cli/commands/policy';
import { parseOrgPublicKey, parseOrgSigningKey } from '../../../src/core/policy';
import { basePolicy, caught, orgKeys, otherKeys, tempDirs, type TempDirs } from './helpers';

/** `"a":…` becomes `"a":<first>,"a":…` (first occurrence): valid JSON, and JSON.parse keeps the original value. */
function repeatFirst(json: string, name: string, first: unknown): string {
  const out = json.replace(`"${name}":`, `"${name}":${JSON.stringify(first)},"${name}":`);
  if (out === json) throw new Error(`no member ${name}`);
  JSON.parse(out);
  return out;
}

function io() {
  const err: string[] = [];
  const sink: CliIo = { out: () => undefined, err: (l) => err.push(l) };
  return { sink, err: () => err.join('\n') };
}

describe('in the engine (src/core/policy)', () => {
  it('an org public key file with two "keyId"s is refused: policy_invalid, bad_key, duplicate_key named', () => {
    const text = repeatFirst(JSON.stringify(orgKeys.publicKey), 'keyId', otherKeys.publicKey.keyId);
    expect(parseOrgPublicKey(JSON.stringify(orgKeys.publicKey), 'org.pub')).not.toBeNull();
    const e = caught(() => parseOrgPublicKey(text, 'org.pub'));
    expect(e.code).toBe('policy_invalid');
    expect(e.details).toMatchObject({ reason: 'bad_key', file: 'org.pub' });
    expect(e.message).toMatch(/appears twice/);
  });

  it("a key file whose first public key is another org's is refused, not read as the second", () => {
    const pub = orgKeys.publicKey as Record<string, unknown>;
    const other = otherKeys.publicKey as Record<string, unknown>;
    // The other org's members first, then ours: last-value-wins would pin OUR key silently.
    const text = `{${Object.keys(other)
      .map((k) => `${JSON.stringify(k)}:${JSON.stringify(other[k])}`)
      .join(',')},${JSON.stringify(pub).slice(1)}`;
    expect(caught(() => parseOrgPublicKey(text, 'org.pub')).code).toBe('policy_invalid');
  });

  it('an org signing key file with a repeated member is refused: invalid_input, duplicate_key, no key material in the message', () => {
    const e = caught(() => parseOrgSigningKey(repeatFirst(JSON.stringify(orgKeys.signingKey), 'secretKey', otherKeys.signingKey.secretKey), 'org.key'));
    expect(e.code).toBe('invalid_input');
    expect(e.details).toMatchObject({ reason: 'duplicate_key' });
    expect(e.message).toMatch(/"secretKey" appears twice/);
    expect(e.message).not.toContain(orgKeys.signingKey.secretKey);
    expect(e.message).not.toContain(otherKeys.signingKey.secretKey);
  });
});

describe('in the CLI (latchkey policy)', () => {
  let d: TempDirs;
  let keys: string;
  beforeEach(async () => {
    d = await tempDirs(false);
    keys = path.join(d.root, 'keys');
    expect(await run(['keygen', '--out', keys], io().sink)).toBe(0);
  });
  afterEach(() => d.cleanup());

  it('sign refuses a policy with a repeated member name (exit 1, named), and writes nothing', async () => {
    const policyFile = path.join(d.root, 'policy.json');
    await writeFile(policyFile, repeatFirst(JSON.stringify(basePolicy), 'version', 99));
    const out = path.join(d.root, 'signed.json');
    const s = io();
    expect(await run(['sign', '--key', path.join(keys, 'org.key'), '--in', policyFile, '--out', out], s.sink)).toBe(1);
    expect(s.err()).toMatch(/not valid JSON .*"version" appears twice/);
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('sign refuses a signing key file with a repeated member name (exit 1)', async () => {
    const keyFile = path.join(keys, 'org.key');
    const dup = path.join(d.root, 'dup.key');
    await writeFile(dup, repeatFirst(JSON.stringify(JSON.parse(await readFile(keyFile, 'utf8'))), 'keyId', 'x'));
    const policyFile = path.join(d.root, 'policy.json');
    await writeFile(policyFile, JSON.stringify(basePolicy));
    const s = io();
    expect(await run(['sign', '--key', dup, '--in', policyFile, '--out', path.join(d.root, 'x.json')], s.sink)).toBe(1);
    expect(s.err()).toMatch(/appears twice/);
  });

  it('verify refuses an org public key file with a repeated member name (exit 1)', async () => {
    const policyFile = path.join(d.root, 'policy.json');
    await writeFile(policyFile, JSON.stringify(basePolicy));
    const signed = path.join(d.root, 'signed.json');
    expect(await run(['sign', '--key', path.join(keys, 'org.key'), '--in', policyFile, '--out', signed], io().sink)).toBe(0);
    const pub = JSON.parse(await readFile(path.join(keys, 'org.pub'), 'utf8')) as Record<string, unknown>;
    const dupPub = path.join(d.root, 'dup.pub');
    await writeFile(dupPub, repeatFirst(JSON.stringify(pub), 'publicKey', otherKeys.publicKey.publicKey));
    const v = io();
    expect(await run(['verify', '--org-key', dupPub, signed], v.sink)).toBe(1);
    expect(v.err()).toMatch(/appears twice/);
  });
});
