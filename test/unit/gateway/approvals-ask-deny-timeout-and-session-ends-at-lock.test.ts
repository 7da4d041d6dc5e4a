/**
 * Consent: each grant mode and each answer, over real MCP/HTTP. "This session" ends
 * when the vault locks; an unanswered prompt is a refusal; a locked vault either waits
 * for the person (bounded) or fails with vault_locked.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEffectivePolicy } from '../../../src/core/policy';
import { DEFAULT_PERSONAL_SETTINGS } from '../../../src/shared/policy';
import { call, errorCode, itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

const SECRET = 'approval-test-secret-0123456789';
let api: TestServer;
let h: Harness;
let agent: { id: string; token: string };
const id = itemId();

beforeAll(async () => {
  api = await startServer((_req, res) => res.end('ok'));
  h = await startHarness(
    [{ id, name: 'API', description: 'test', injection: { type: 'header', name: 'X-Api-Key', template: 'key={secret}' }, allowedOrigins: [api.origin], secret: SECRET }],
    {
      approvalTimeoutMs: 300,
    },
  );
  agent = await h.pair('Cursor');
});
afterAll(async () => {
  await h?.close();
  await api?.close();
});
beforeEach(async () => {
  h.prompts.length = 0;
  h.answer = () => 'once';
  h.vault.unlock();
  await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'ask' }, {} as never);
});

const use = async (): Promise<{ text: string; isError: boolean }> => call(await h.connect(agent.token), 'http_request', { credential: 'API', url: `${api.origin}/x` });

describe('approval per grant', () => {
  it('ask: approved once → sent with the header template; the next call asks again', async () => {
    expect((await use()).isError).toBe(false);
    expect(api.requests.at(-1)!.headers['x-api-key']).toBe(`key=${SECRET}`);
    expect((await use()).isError).toBe(false);
    expect(h.prompts).toHaveLength(2);
    const p = h.prompts[0]!;
    expect(p).toMatchObject({ agentName: 'Cursor', credentialName: 'API', tool: 'http_request', destination: api.origin });
  });

  it('deny → approval_denied, nothing sent, audited as denied', async () => {
    h.answer = () => 'deny';
    const before = api.requests.length;
    const r = await use();
    expect(errorCode(r.text)).toBe('approval_denied');
    expect(api.requests.length).toBe(before);
    expect(h.audit.events.at(-1)).toMatchObject({ action: 'credential.use', outcome: 'denied', actor: { type: 'agent', id: agent.id } });
  });

  it('no answer → approval_timeout, and the prompt is withdrawn', async () => {
    h.answer = () => null;
    const settled: string[] = [];
    const off = h.gateway.subscribe((e, p) => {
      if (e === 'approval-settled') settled.push((p as { outcome: string }).outcome);
    });
    const r = await use();
    off();
    expect(errorCode(r.text)).toBe('approval_timeout');
    expect(settled).toEqual(['timeout']);
    expect((await h.gateway.uiHandlers['approvals.pending']({}, {} as never)).approvals).toEqual([]);
  });

  it('"this session" is remembered until the vault locks, then asked again', async () => {
    h.answer = () => 'session';
    expect((await use()).isError).toBe(false);
    h.answer = () => 'deny';
    expect((await use()).isError).toBe(false); // not asked: session approval holds
    expect(h.prompts).toHaveLength(1);
    h.vault.lock();
    h.vault.unlock();
    const r = await use();
    expect(errorCode(r.text)).toBe('approval_denied'); // asked again after the lock
    expect(h.prompts).toHaveLength(2);
  });

  it('always → never asked; never → refused and hidden from list_credentials', async () => {
    await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'always' }, {} as never);
    h.answer = () => 'deny';
    expect((await use()).isError).toBe(false);
    expect(h.prompts).toHaveLength(0);
    await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'never' }, {} as never);
    expect(errorCode((await use()).text)).toBe('not_found');
    const list = await call(await h.connect(agent.token), 'list_credentials', {});
    expect(list.text).not.toContain('"API"');
  });

  it('answering "always" stores the grant, unless policy requires asking every time', async () => {
    h.answer = () => 'always';
    expect((await use()).isError).toBe(false);
    const grants = await h.gateway.uiHandlers['grants.get']({ agentId: agent.id }, {} as never);
    expect(grants.grants.find((g) => g.itemId === id)!.mode).toBe('always');

    const saved = h.policy;
    h.policy = buildEffectivePolicy(
      [{ policy: { version: 1, org: { name: 'Acme' }, gateway: { approvalModeFloor: 'every_time' } }, source: 'build', path: 'p.json' }],
      DEFAULT_PERSONAL_SETTINGS,
    );
    try {
      h.answer = () => 'once';
      expect((await use()).isError).toBe(false);
      expect(h.prompts).toHaveLength(2); // the stored 'always' no longer skips the prompt
      await expect(h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'always' }, {} as never)).rejects.toMatchObject({ code: 'policy_forbidden' });
    } finally {
      h.policy = saved;
    }
  });

  it('vault locked and nobody unlocks → a clear vault_locked result', async () => {
    h.vault.lock();
    const r = await use();
    expect(errorCode(r.text)).toBe('vault_locked');
    expect(r.text).toMatch(/unlock/i);
  });
});

describe('a locked vault', () => {
  it('waits for the person to unlock (bounded), then proceeds', async () => {
    const h2 = await startHarness([{ id, name: 'API', description: 'test', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: SECRET }], {
      unlockWaitMs: 10_000,
    });
    try {
      const a = await h2.pair();
      h2.vault.lock();
      h2.gateway.subscribe((e) => {
        if (e === 'unlock-requested') setTimeout(() => h2.vault.unlock(), 10);
      });
      const r = await call(await h2.connect(a.token), 'http_request', { credential: 'API', url: `${api.origin}/y` });
      expect(r.isError).toBe(false);
    } finally {
      await h2.close();
    }
  });
});

describe('rate limits', () => {
  it('an agent over its budget is refused with rate_limited before anything runs', async () => {
    const h3 = await startHarness([{ id, name: 'API', description: 'test', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: SECRET }], {
      rateLimit: { perMinute: 1, burst: 2 },
    });
    try {
      const a = await h3.pair();
      const c = await h3.connect(a.token);
      expect((await call(c, 'list_credentials', {})).isError).toBe(false);
      expect((await call(c, 'list_credentials', {})).isError).toBe(false);
      const r = await call(c, 'list_credentials', {});
      expect(errorCode(r.text)).toBe('rate_limited');
    } finally {
      await h3.close();
    }
  });
});
