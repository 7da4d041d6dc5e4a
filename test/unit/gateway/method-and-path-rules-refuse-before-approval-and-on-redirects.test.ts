/**
 * The item's method/path rules, enforced by the real gateway's http_request: a
 * disallowed method or path (dot segments included) is refused before the person is
 * asked and before the secret is fetched; a same-origin redirect out of the allowed
 * paths is returned unfollowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, errorCode, itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

const SECRET = 'path-rule-secret-Zz9876543210';
let api: TestServer;
let h: Harness;
let token: string;

beforeAll(async () => {
  api = await startServer((req, res) => {
    if (req.url === '/repos/acme/hop') {
      res.writeHead(302, { location: '/admin/keys' }).end();
      return;
    }
    res.end('ok');
  });
  h = await startHarness([{ id: itemId(), name: 'gh', description: '', injection: { type: 'bearer' }, allowedOrigins: [`GET,POST ${api.origin}/repos/acme/*`], secret: SECRET }]);
  token = (await h.pair('Agent')).token;
});
afterAll(async () => {
  await h?.close();
  await api?.close();
});

describe('http_request with a method and path rule', () => {
  it('an allowed method and path is sent with the credential', async () => {
    const r = await call(await h.connect(token), 'http_request', { credential: 'gh', method: 'POST', url: `${api.origin}/repos/acme/widgets` });
    expect(JSON.parse(r.text).status).toBe(200);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it.each([
    ['a method the rule does not name', 'DELETE', '/repos/acme/widgets'],
    ['HEAD under a GET rule', 'HEAD', '/repos/acme/widgets'],
    ['a path outside the glob', 'GET', '/user'],
    ['dot segments out of the glob', 'GET', '/repos/acme/../../user'],
    ['an encoded slash', 'GET', '/repos/acme/..%2F..%2Fuser'],
    ['a deeper path than * allows', 'GET', '/repos/acme/widgets/keys'],
  ])('%s is refused before approval and before the secret', async (_l, method, path) => {
    const prompts = h.prompts.length;
    const uses = h.vault.useCount;
    const sent = api.requests.length;
    const r = await call(await h.connect(token), 'http_request', { credential: 'gh', method, url: `${api.origin}${path}` });
    expect(errorCode(r.text)).toBe('destination_refused');
    expect(h.prompts.length).toBe(prompts);
    expect(h.vault.useCount).toBe(uses);
    expect(api.requests.length).toBe(sent);
  });

  it('a same-origin redirect out of the allowed paths is not followed', async () => {
    const r = await call(await h.connect(token), 'http_request', { credential: 'gh', url: `${api.origin}/repos/acme/hop` });
    const out = JSON.parse(r.text) as { status: number; note?: string };
    expect(out.status).toBe(302);
    expect(out.note).toMatch(/not followed/);
    expect(api.requests.at(-1)!.url).toBe('/repos/acme/hop');
  });
});
