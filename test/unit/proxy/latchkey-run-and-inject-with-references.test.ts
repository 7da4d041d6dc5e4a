/**
 * `latchkey run` and `latchkey inject` (src/cli/commands/run-core.ts, inject-core.ts)
 * with a resolver double that, like the engine, resolves only known references and
 * records each use's purpose: proxy mode gives a real curl a placeholder the upstream
 * sees swapped; --real-env masks the value in the output (raw, base64, hex); inject
 * writes a 0600 file and warns.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personalPolicy } from '../../../src/core/policy';
import { formatReference, type SecretReference } from '../../../src/core/references';
import { injectTemplate } from '../../../src/cli/commands/inject-core';
import { parseRunArgs, runWithReferences, type RunDeps } from '../../../src/cli/commands/run-core';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { loadOrCreateDeviceCa } from '../../../src/main/proxy/ca';
import type { ProxyRecord } from '../../../src/main/proxy/proxy';
import type { ReferenceResolver } from '../../../src/main/proxy/resolver';
import { LatchkeyError } from '../../../src/shared/errors';
import { createTestCa, startUpstream, type Upstream } from './harness';

const SECRET = 'sk-RunSecretValue0123456789abcdefQRST';
const REF = 'latchkey://Personal/OpenAI/secret';
const purposes: string[] = [];
const resolver: ReferenceResolver = {
  async resolve(ref: SecretReference, purpose: string) {
    if (formatReference(ref) !== REF) throw new LatchkeyError('not_found', 'No item named that.');
    purposes.push(purpose);
    return { itemId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'OpenAI', value: SECRET, rules: ['POST https://api.test/echo/*'] };
  },
};
let api: Upstream;
let deps: RunDeps;
let out: { stdout: string; stderr: string };
const records: ProxyRecord[] = [];
const home = mkdtempSync(path.join(os.tmpdir(), 'lk-run-'));

function sink(key: 'stdout' | 'stderr'): PassThrough {
  const s = new PassThrough();
  s.on('data', (d: Buffer) => (out[key] += d.toString()));
  return s;
}

beforeAll(async () => {
  const testCa = await createTestCa();
  api = await startUpstream(testCa, ['api.test']);
  const keychain = createMemoryKeychain();
  out = { stdout: '', stderr: '' };
  deps = {
    resolver,
    ca: () => loadOrCreateDeviceCa(keychain),
    policy: () => personalPolicy(),
    record: async (r) => void records.push(r),
    baseEnv: { PATH: process.env.PATH, HOME: home, NO_PROXY: '*' },
    stdout: sink('stdout'),
    stderr: sink('stderr'),
    proxy: { upstreamCa: [testCa.certPem], dial: async () => ({ address: '127.0.0.1', port: api.port }) },
  };
});
afterAll(async () => {
  await api?.close();
});

describe('latchkey run', () => {
  it('parses --env, --env-file and the command after --', async () => {
    const f = path.join(home, '.env');
    writeFileSync(f, `# keys\nOPENAI_API_KEY=${REF}\nMODE=dev\n`);
    const a = await parseRunArgs(['--env', `K=${REF}`, '--env-file', f, '--', 'curl', '-s']);
    expect(a.env.map((e) => e.name)).toEqual(['K', 'OPENAI_API_KEY']);
    expect(a.plain).toEqual({ MODE: 'dev' });
    expect(a.command).toBe('curl');
    await expect(parseRunArgs(['--env', `K=${REF}`])).rejects.toThrow(/after "--"/);
    await expect(parseRunArgs(['--env', 'K=latchkey://bad', '--', 'x'])).rejects.toThrow(LatchkeyError);
  });

  it('proxy mode: curl gets a placeholder (prefix kept); the server the secret; NO_PROXY from the parent is dropped', async () => {
    out.stdout = '';
    const a = await parseRunArgs(['--env', `KEY=${REF}`, '--', 'sh', '-c', 'echo "env=$KEY"; curl -sS -X POST -H "Authorization: Bearer $KEY" https://api.test/echo/x']);
    const code = await runWithReferences(deps, a);
    expect(code).toBe(0);
    const ph = /env=(sk-[A-Za-z0-9]+)/.exec(out.stdout)![1]!;
    expect(out.stdout).toContain(`seen POST /echo/x Bearer ${ph}`);
    expect(out.stdout).not.toContain(SECRET);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(purposes.at(-1)).toBe('run:sh');
    expect(records.at(-1)).toMatchObject({ action: 'proxy.swap', command: 'sh', method: 'POST', origin: 'https://api.test' });
  });

  it('--real-env: the child has the value; its output is masked, raw and encoded', async () => {
    out.stdout = '';
    out.stderr = '';
    const a = await parseRunArgs([
      '--real-env',
      '--env',
      `KEY=${REF}`,
      '--',
      process.execPath,
      '-e',
      'const k=process.env.KEY; console.log(k); console.log(Buffer.from(k).toString("base64")); console.error(Buffer.from(k).toString("hex")); console.log("len=" + k.length)',
    ]);
    expect(await runWithReferences(deps, a)).toBe(0);
    expect(out.stdout).toContain(`len=${SECRET.length}`);
    expect(out.stdout + out.stderr).not.toContain(SECRET);
    expect(out.stdout).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 24));
    expect(out.stderr).not.toContain(Buffer.from(SECRET).toString('hex').slice(0, 24));
    expect(out.stdout).toContain('REDACTED');
  });

  it('an unknown reference fails before anything runs', async () => {
    const a = await parseRunArgs(['--env', 'KEY=latchkey://Personal/Nope/secret', '--', 'sh', '-c', 'touch ran']);
    await expect(runWithReferences(deps, a)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('latchkey inject', () => {
  it('writes an owner-only file with the value in place and warns', async () => {
    const tpl = path.join(home, 'config.tpl');
    const dst = path.join(home, 'config.yml');
    writeFileSync(tpl, `api_key: {{ ${REF} }}\nmode: dev\n`);
    writeFileSync(dst, 'old', { mode: 0o644 });
    const warnings: string[] = [];
    await injectTemplate(resolver, tpl, dst, (l) => warnings.push(l));
    expect(readFileSync(dst, 'utf8')).toBe(`api_key: ${SECRET}\nmode: dev\n`);
    expect(statSync(dst).mode & 0o777).toBe(0o600);
    expect(warnings.join('\n')).toMatch(/holds 1 secret in the clear/);
    expect(warnings.join('\n')).not.toContain(SECRET);
    expect(purposes.at(-1)).toBe('inject:config.yml');
  });
  it('a bad slot writes nothing', async () => {
    const tpl = path.join(home, 'bad.tpl');
    const dst = path.join(home, 'bad.yml');
    writeFileSync(tpl, 'k: {{ latchkey://Personal/OpenAI }}\n');
    await expect(injectTemplate(resolver, tpl, dst, () => undefined)).rejects.toThrow(LatchkeyError);
    expect(() => statSync(dst)).toThrow();
  });
});
