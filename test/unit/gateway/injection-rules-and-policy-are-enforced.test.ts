/**
 * Each injection rule places the secret as the item says (seen by the test API), and
 * the org policy's gateway rules refuse before any secret is fetched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEffectivePolicy } from '../../../src/core/policy';
import { DEFAULT_PERSONAL_SETTINGS, type Policy } from '../../../src/shared/policy';
import { call, errorCode, itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

const SECRET = 'inject-secret-Aa0123456789';
let api: TestServer;
let h: Harness;
let token: string;

beforeAll(async () => {
  api = await startServer((req, res) => {
    if (req.url?.startsWith('/hop')) {
      res.writeHead(307, { location: '/landed' }).end();
      return;
    }
    res.end(`seen ${req.headers.authorization ?? ''} ${req.url}`);
  });
  h = await startHarness([
    { id: itemId(), name: 'basic', description: '', injection: { type: 'basic', username: 'alice' }, allowedOrigins: [api.origin], secret: SECRET },
    { id: itemId(), name: 'query', description: '', injection: { type: 'query', param: 'api_key' }, allowedOrigins: [api.origin], secret: SECRET },
  ]);
  token = (await h.pair('Agent')).token;
});
afterAll(async () => {
  await h?.close();
  await api?.close();
});

const managed = (gateway: NonNullable<Policy['gateway']>) =>
  buildEffectivePolicy([{ policy: { version: 1, org: { name: 'Acme' }, gateway }, source: 'build', path: 'p.json' }], DEFAULT_PERSONAL_SETTINGS);

describe('injection rules', () => {
  it('basic: Authorization: Basic base64(user:secret); the echoed header is caught by the echo guard', async () => {
    const r = await call(await h.connect(token), 'http_request', { credential: 'basic', url: `${api.origin}/b` });
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`alice:${SECRET}`).toString('base64')}`);
    expect(r.text).not.toContain(Buffer.from(`alice:${SECRET}`).toString('base64'));
    // The injected credential came back: the echo guard withholds the response.
    expect(JSON.parse(r.text)).toMatchObject({ bodyWithheld: true, echoDetected: true });
  });

  it('query: the parameter is set (over any the agent sent) and re-injected on a same-origin redirect', async () => {
    const r = await call(await h.connect(token), 'http_request', { credential: 'query', url: `${api.origin}/hop?api_key=mine&x=1` });
    const hops = api.requests.slice(-2).map((q) => new URL(q.url, api.origin));
    expect(hops[0]!.searchParams.get('api_key')).toBe(SECRET);
    expect(hops[0]!.searchParams.get('x')).toBe('1');
    expect(hops[1]!.pathname).toBe('/landed');
    expect(hops[1]!.searchParams.get('api_key')).toBe(SECRET);
    expect(r.text).not.toContain(SECRET);
  });
});

describe('org policy', () => {
  it.each([
    ['gateway turned off', { enabled: false }, 'policy_forbidden'],
    ['tool not on the allow-list', { allowedTools: ['list_credentials'] }, 'policy_forbidden'],
    ['destination on the deny-list', { destinations: { deny: ['127.0.0.1'] } }, 'policy_forbidden'],
    ['agent not on the allow-list', { allowedAgents: ['Claude*'] }, 'policy_forbidden'],
  ] as const)('%s → refused before the secret is fetched', async (_label, gateway, code) => {
    const saved = h.policy;
    h.policy = managed(gateway as NonNullable<Policy['gateway']>);
    const uses = h.vault.useCount;
    try {
      const r = await call(await h.connect(token), 'http_request', { credential: 'basic', url: `${api.origin}/p` });
      expect(errorCode(r.text)).toBe(code);
      expect(h.vault.useCount).toBe(uses);
    } finally {
      h.policy = saved;
    }
  });
});
