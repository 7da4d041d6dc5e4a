/**
 * Issue 10 item 2, end to end through the real gateway: a destination that reflects
 * the injected credential — in any form, here upper-cased and spaced inside a gzip
 * body — gets its whole response withheld (status and a note reach the agent), the
 * signed audit log records `echo_detected`, and the next use of that credential at that
 * destination asks the person again, although the grant says "always", with a prompt
 * that says this host echoed it. Approved again, the grant applies as before.
 */
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECHO_WARNING } from '../../../src/main/gateway/tools/echo-guard';
import { call, errorCode, itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

const SECRET = 'echo-me-Zq9xL2mP7rT4wK8vN3bY';

let api: TestServer;
let h: Harness;
let token: string;

beforeAll(async () => {
  api = await startServer((req, res) => {
    const got = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (req.url === '/echo') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(Buffer.from(JSON.stringify({ debug: [...got.toUpperCase()].join(' '), user: 'alice' }))));
      return;
    }
    res.writeHead(got === SECRET ? 200 : 401, { 'content-type': 'text/plain' });
    res.end(got === SECRET ? 'fine' : 'no');
  });
  h = await startHarness([{ id: itemId(), name: 'Reflector', description: 'reflects', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: SECRET }], {
    rateLimit: { perMinute: 1000, burst: 100 },
  });
  token = (await h.pair()).token;
});

afterAll(async () => {
  await h?.close();
  await api?.close();
});

describe('the echo guard', () => {
  it('withholds a reflected credential, records echo_detected, and asks again next time', async () => {
    const client = await h.connect(token);
    h.answer = () => 'always';
    const first = await call(client, 'http_request', { credential: 'Reflector', url: `${api.origin}/echo` });
    expect(first.isError).toBe(false);
    const res = JSON.parse(first.text) as Record<string, unknown>;
    expect(res).toMatchObject({ status: 200, body: '', bodyWithheld: true, echoDetected: true, headers: {} });
    expect(String(res.note)).toMatch(/sent the credential back/);
    expect(first.text).not.toContain('alice');
    expect(first.text.toUpperCase()).not.toContain('Z Q 9');

    const log = JSON.stringify(h.audit.records);
    expect(log).toContain('echo_detected');
    expect(log).not.toContain(SECRET);
    const echoRecord = h.audit.records.find((r) => JSON.stringify(r).includes('echo_detected'))!;
    expect(JSON.stringify(echoRecord)).toContain('"failure"');

    // The grant is now "always", yet the next use of this pair is asked again, with the warning.
    const promptsBefore = h.prompts.length;
    h.answer = () => 'once';
    const second = await call(client, 'http_request', { credential: 'Reflector', url: `${api.origin}/ok` });
    expect(JSON.parse(second.text)).toMatchObject({ status: 200, body: 'fine' });
    expect(h.prompts.length).toBe(promptsBefore + 1);
    expect(h.prompts.at(-1)!.warning).toBe(ECHO_WARNING);

    // Approved again knowingly: the "always" grant holds once more (no prompt).
    const third = await call(client, 'http_request', { credential: 'Reflector', url: `${api.origin}/ok` });
    expect(JSON.parse(third.text)).toMatchObject({ status: 200, body: 'fine' });
    expect(h.prompts.length).toBe(promptsBefore + 1);
  });

  it('a refused fresh approval sends nothing', async () => {
    const client = await h.connect(token);
    h.answer = () => 'always';
    await call(client, 'http_request', { credential: 'Reflector', url: `${api.origin}/echo` });
    const sent = api.requests.length;
    h.answer = (p) => (p.warning ? 'deny' : 'always');
    const r = await call(client, 'http_request', { credential: 'Reflector', url: `${api.origin}/ok` });
    expect(r.isError).toBe(true);
    expect(errorCode(r.text)).toBe('approval_denied');
    expect(api.requests.length).toBe(sent);
  });
});
