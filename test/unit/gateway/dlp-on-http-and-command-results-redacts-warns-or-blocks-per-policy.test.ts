/**
 * DLP through the real gateway: an API that returns a card number, a GitHub token (not
 * in the vault) and an e-mail address gets, by default, the card and the token
 * redacted and the e-mail passed with a warning annotation; each finding is signed
 * with its rule id and never the match. With policy `dlp.cards: block` the body is
 * withheld with a note saying why, and the record says dlp_blocked. run_command output
 * goes through the same path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PERSONAL_SETTINGS, type EffectivePolicy } from '../../../src/shared/policy';
import { call, itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

const CARD = '4111 1111 1111 1111';
const GITHUB = 'ghp_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2';
const id = itemId();
let api: TestServer;
let h: Harness;
let token: string;

function managed(dlp: Record<string, string>): EffectivePolicy {
  return {
    managed: true,
    orgName: 'Example Org',
    policy: { version: 1, org: { name: 'Example Org' }, dlp },
    locks: {},
    personal: { ...DEFAULT_PERSONAL_SETTINGS, runCommandEnabled: true },
    keyId: null,
  };
}

beforeAll(async () => {
  api = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ card: CARD, token: GITHUB, contact: 'ops@example.com' }));
  });
  h = await startHarness([{ id, name: 'Shop API', description: 'orders', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: 'shop-Secret-0123456789abcdefXY' }], {
    runCommand: true,
  });
  const agent = await h.pair();
  token = agent.token;
  await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'always' }, {} as never);
});
afterAll(async () => {
  await h.close();
  await api.close();
});

describe('DLP on results', () => {
  it('by default redacts the card and the token, warns about the e-mail, and signs each rule without its match', async () => {
    const c = await h.connect(token);
    const r = await call(c, 'http_request', { credential: 'Shop API', method: 'GET', url: `${api.origin}/orders/1` });
    expect(r.isError).toBe(false);
    const out = JSON.parse(r.text) as { body: string; dlpWarning?: string };
    const body = JSON.parse(out.body) as Record<string, string>;
    expect(body.card).toBe('[REDACTED by Latchkey DLP: cards]');
    expect(body.token).toBe('[REDACTED by Latchkey DLP: secrets]');
    expect(body.contact).toBe('ops@example.com');
    expect(out.dlpWarning).toContain('email');
    const rules = h.audit.events.filter((e) => e.reason?.startsWith('dlp_')).map((e) => `${e.reason} ${e.target?.dlpRule}`);
    expect(rules).toEqual(expect.arrayContaining(['dlp_redacted card.luhn', 'dlp_redacted secretlint:github:GITHUB_TOKEN', 'dlp_warned email']));
    const log = JSON.stringify(h.audit.events);
    for (const m of ['4111', GITHUB, 'ops@example.com']) expect(log).not.toContain(m);
  });

  it('with dlp.cards = block, withholds the body and says why', async () => {
    h.policy = managed({ cards: 'block' });
    try {
      const c = await h.connect(token);
      const r = await call(c, 'http_request', { credential: 'Shop API', method: 'GET', url: `${api.origin}/orders/2` });
      const out = JSON.parse(r.text) as { status: number; body: string; bodyWithheld?: boolean; dlpBlocked?: boolean; note?: string };
      expect(out).toMatchObject({ status: 200, body: '', bodyWithheld: true, dlpBlocked: true });
      expect(out.note).toContain('cards');
      expect(r.text).not.toContain('4111');
      expect(h.audit.events.some((e) => e.reason === 'dlp_blocked' && e.target?.dlpRule === 'card.luhn' && e.outcome === 'failure')).toBe(true);
    } finally {
      h.policy = managed({});
    }
  });

  it('run_command output goes through the same path', async () => {
    h.policy = managed({ email: 'redact' });
    const c = await h.connect(token);
    const r = await call(c, 'run_command', {
      command: process.execPath,
      args: ['-e', `console.log("card ${CARD} mail a@b.example")`],
      credentials: [{ credential: 'Shop API', env: 'SHOP' }],
    });
    const out = JSON.parse(r.text) as { stdout: string };
    expect(out.stdout).toBe('card [REDACTED by Latchkey DLP: cards] mail [REDACTED by Latchkey DLP: email]\n');
  });
});
