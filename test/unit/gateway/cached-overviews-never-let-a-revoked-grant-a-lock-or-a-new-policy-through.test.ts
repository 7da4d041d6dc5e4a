/**
 * Main keeps a copy of the credential overviews so a call does not list every
 * credential (credential-cache.ts). These tests try to get a call through on that copy
 * after something changed between two calls — a grant revoked or lowered, the vault
 * locked (with its event, or an idle lock the engine notices only at the next access),
 * policy replaced, the item edited or deleted, the agent revoked — and prove the second
 * call is refused (or asks the person) exactly as it would without the copy, and that
 * the secret itself is still fetched from the vault on every use.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEffectivePolicy, personalPolicy } from '../../../src/core/policy';
import { cacheCredentials } from '../../../src/main/gateway/credential-cache';
import type { CredentialSource } from '../../../src/main/gateway';
import type { CredentialOverview } from '../../../src/shared/contracts/engine';
import { LatchkeyError } from '../../../src/shared/errors';
import { DEFAULT_PERSONAL_SETTINGS, type Policy } from '../../../src/shared/policy';
import { errorCode, itemId, startHarness, startServer, type Harness, type TestCredential, type TestServer } from './harness';

const SECRET = 'cache-test-secret-0123456789abcdef';
let api: TestServer;
let h: Harness;
let agent: { id: string; token: string };
const id = itemId();
const credential = (origin: string): TestCredential => ({ id, name: 'API', description: 'test', injection: { type: 'bearer' }, allowedOrigins: [origin], secret: SECRET });

const managed = (gateway: NonNullable<Policy['gateway']>) =>
  buildEffectivePolicy([{ policy: { version: 1, org: { name: 'Acme' }, gateway }, source: 'build', path: 'p.json' }], DEFAULT_PERSONAL_SETTINGS);

beforeAll(async () => {
  api = await startServer((_req, res) => res.end('ok'));
  h = await startHarness([credential(api.origin)], { approvalTimeoutMs: 300, rateLimit: { perMinute: 1e6, burst: 1e6 } });
  agent = await h.pair('Cursor');
});
afterAll(async () => {
  await h?.close();
  await api?.close();
});
beforeEach(async () => {
  h.vault.unlock();
  h.vault.edit((list) => list.splice(0, list.length, credential(api.origin)));
  h.policy = personalPolicy();
  h.prompts.length = 0;
  h.answer = () => 'once';
  await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'always' }, {} as never);
});

async function use(harness: Harness = h, token = agent.token): Promise<{ text: string; isError: boolean; code: string | null }> {
  const r = await harness.gateway.callTool(token, 'http_request', { credential: 'API', url: `${api.origin}/x` });
  const text = r.content.map((c) => c.text).join('');
  return { text, isError: r.isError === true, code: r.isError === true ? errorCode(text) : null };
}

describe('the copy saves the listing, never the secret', () => {
  it('many approved calls list once, and fetch the secret from the vault on every one', async () => {
    await use();
    const lists = h.vault.listCount;
    const uses = h.vault.useCount;
    for (let i = 0; i < 5; i++) expect((await use()).isError).toBe(false);
    expect(h.vault.listCount).toBe(lists);
    expect(h.vault.useCount).toBe(uses + 5);
  });
});

describe('a change between two calls refuses the second', () => {
  it('grant revoked (never): refused, no secret fetched, nothing sent', async () => {
    expect((await use()).isError).toBe(false);
    await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'never' }, {} as never);
    const uses = h.vault.useCount;
    const sent = api.requests.length;
    const r = await use();
    expect(r.isError).toBe(true);
    expect(r.code).toBe('not_found');
    expect(h.vault.useCount).toBe(uses);
    expect(api.requests.length).toBe(sent);
  });

  it('grant lowered from always to ask: the second call asks the person, and a refusal is a refusal', async () => {
    expect((await use()).isError).toBe(false);
    await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'ask' }, {} as never);
    h.answer = () => 'deny';
    const uses = h.vault.useCount;
    const r = await use();
    expect(r.code).toBe('approval_denied');
    expect(h.prompts).toHaveLength(1);
    expect(h.vault.useCount).toBe(uses);
  });

  it('"ask every time" asks on every call, copy or not', async () => {
    await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'ask' }, {} as never);
    for (let i = 0; i < 3; i++) expect((await use()).isError).toBe(false);
    expect(h.prompts).toHaveLength(3);
  });

  it('vault locked: refused with vault_locked, no secret fetched; after unlock the call goes through again', async () => {
    expect((await use()).isError).toBe(false);
    h.vault.lock();
    const uses = h.vault.useCount;
    expect((await use()).code).toBe('vault_locked');
    expect(h.vault.useCount).toBe(uses);
    h.vault.unlock();
    expect((await use()).isError).toBe(false);
  });

  it('policy replaced (gateway off, destination denied): refused, no secret fetched', async () => {
    for (const gateway of [{ enabled: false }, { destinations: { deny: ['127.0.0.1'] } }]) {
      h.policy = personalPolicy();
      expect((await use()).isError).toBe(false);
      h.policy = managed(gateway);
      const uses = h.vault.useCount;
      expect((await use()).code).toBe('policy_forbidden');
      expect(h.vault.useCount).toBe(uses);
    }
  });

  it('policy replaced with an approval floor of every_time: a grant "always" now asks', async () => {
    expect((await use()).isError).toBe(false);
    h.policy = managed({ approvalModeFloor: 'every_time' });
    h.answer = () => 'deny';
    const uses = h.vault.useCount;
    expect((await use()).code).toBe('approval_denied');
    expect(h.prompts).toHaveLength(1);
    expect(h.vault.useCount).toBe(uses);
  });

  it('"this session" ends at lock, copy or not: after lock and unlock the person is asked again', async () => {
    await h.gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: id, mode: 'ask' }, {} as never);
    h.answer = () => 'session';
    expect((await use()).isError).toBe(false);
    expect((await use()).isError).toBe(false);
    expect(h.prompts).toHaveLength(1);
    h.vault.lock();
    h.vault.unlock();
    h.answer = () => 'deny';
    expect((await use()).code).toBe('approval_denied');
    expect(h.prompts).toHaveLength(2);
  });

  it('item edited to another origin: refused, with its change event and also before that event arrives', async () => {
    expect((await use()).isError).toBe(false);
    const sent = api.requests.length;
    // Before the event: main's copy still says this origin, the secret's own version does not.
    h.vault.credentials[0] = credential('https://elsewhere.example');
    expect((await use()).code).toBe('destination_refused');
    h.vault.edit(() => undefined);
    expect((await use()).code).toBe('destination_refused');
    expect(api.requests.length).toBe(sent);
  });

  it('item deleted: not_found', async () => {
    expect((await use()).isError).toBe(false);
    h.vault.edit((list) => list.splice(0));
    expect((await use()).code).toBe('not_found');
  });

  it('agent revoked: unauthorized, no secret fetched', async () => {
    const other = await h.pair('Other');
    await h.gateway.uiHandlers['grants.set']({ agentId: other.id, itemId: id, mode: 'always' }, {} as never);
    expect((await use(h, other.token)).isError).toBe(false);
    await h.gateway.uiHandlers['agents.revoke']({ agentId: other.id }, {} as never);
    const uses = h.vault.useCount;
    await expect(use(h, other.token)).rejects.toMatchObject({ code: 'unauthorized' });
    expect(h.vault.useCount).toBe(uses);
  });
});

describe('a secret is asked for once per use', () => {
  it('an engine failure on the use (timeout) is returned as it is, not retried', async () => {
    expect((await use()).isError).toBe(false);
    const attempts = h.vault.useAttempts;
    h.vault.failUse = new LatchkeyError('timeout', '"credentials.use" got no answer within 30000 ms.');
    try {
      expect((await use()).code).toBe('timeout');
    } finally {
      h.vault.failUse = null;
    }
    expect(h.vault.useAttempts).toBe(attempts + 1);
  });
});

describe('an idle lock the engine notices only at the next access', () => {
  let h2: Harness;
  let a2: { id: string; token: string };
  beforeAll(async () => {
    h2 = await startHarness([credential(api.origin)], { approvalTimeoutMs: 2_000, unlockWaitMs: 2_000 });
    a2 = await h2.pair('Cursor');
    h2.gateway.subscribe((e) => {
      if (e === 'unlock-requested') setTimeout(() => h2.vault.unlock(), 20);
    });
  });
  afterAll(async () => h2?.close());

  it('grant always: the call waits for the unlock, as a call that found the vault locked does, then goes through', async () => {
    await h2.gateway.uiHandlers['grants.set']({ agentId: a2.id, itemId: id, mode: 'always' }, {} as never);
    expect((await use(h2, a2.token)).isError).toBe(false);
    h2.vault.idleLockDue();
    const r = await use(h2, a2.token);
    expect(r.isError).toBe(false);
    expect(h2.vault.locked).toBe(false);
  });

  it('grant ask: the person is not asked while the vault is locked; only after the unlock', async () => {
    await h2.gateway.uiHandlers['grants.set']({ agentId: a2.id, itemId: id, mode: 'ask' }, {} as never);
    h2.answer = () => 'once';
    expect((await use(h2, a2.token)).isError).toBe(false);
    const asked = h2.prompts.length;
    const order: string[] = [];
    const off = h2.gateway.subscribe((e) => {
      if (e === 'unlock-requested' || e === 'approval-requested') order.push(e);
    });
    h2.vault.idleLockDue();
    try {
      expect((await use(h2, a2.token)).isError).toBe(false);
    } finally {
      off();
    }
    expect(h2.prompts.length).toBe(asked + 1);
    expect(order).toEqual(['unlock-requested', 'approval-requested']);
  });
});

describe('cacheCredentials', () => {
  function source(): CredentialSource & { answer(): void; fire(kind: 'locked' | 'unlocked' | 'changed'): void; lists: number } {
    const handlers = { locked: new Set<() => void>(), unlocked: new Set<() => void>(), changed: new Set<() => void>() };
    const sub = (set: Set<() => void>) => (fn: () => void) => {
      set.add(fn);
      return () => set.delete(fn);
    };
    let release: (() => void) | null = null;
    const overview: CredentialOverview = { id, name: 'API', description: '', injection: { type: 'bearer' }, allowedOrigins: ['https://api.example'], updatedAt: 1 };
    const s = {
      lists: 0,
      state: async () => 'unlocked' as const,
      listCredentials: async () => {
        s.lists++;
        await new Promise<void>((r) => (release = r));
        return [{ ...overview, allowedOrigins: [...overview.allowedOrigins] }];
      },
      useCredential: async () => {
        throw new LatchkeyError('not_found', 'unused here');
      },
      scrub: async (t: string[]) => t,
      onLocked: sub(handlers.locked),
      onUnlocked: sub(handlers.unlocked),
      onCredentialsChanged: sub(handlers.changed),
      answer: () => release?.(),
      fire: (kind: 'locked' | 'unlocked' | 'changed') => {
        for (const fn of handlers[kind]) fn();
      },
    };
    return s;
  }

  it.each(['locked', 'unlocked', 'changed'] as const)('a listing in flight when "%s" arrives is answered but not kept', async (kind) => {
    const s = source();
    const c = cacheCredentials(s);
    const pending = c.listCached();
    await Promise.resolve();
    s.fire(kind);
    s.answer();
    expect((await pending).cached).toBe(false);
    const next = c.listCached();
    await Promise.resolve();
    s.answer();
    expect((await next).cached).toBe(false);
    expect(s.lists).toBe(2);
  });

  it.each(['locked', 'unlocked', 'changed'] as const)('"%s" drops the copy', async (kind) => {
    const s = source();
    const c = cacheCredentials(s);
    const first = c.listCached();
    await Promise.resolve();
    s.answer();
    await first;
    expect((await c.listCached()).cached).toBe(true);
    s.fire(kind);
    const again = c.listCached();
    await Promise.resolve();
    s.answer();
    expect((await again).cached).toBe(false);
  });

  it('the copy is frozen: a caller cannot change what the next call reads', async () => {
    const s = source();
    const c = cacheCredentials(s);
    const first = c.listCached();
    await Promise.resolve();
    s.answer();
    await first;
    const { list } = await c.listCached();
    expect(() => list[0]!.allowedOrigins.push('https://evil.example')).toThrow(TypeError);
    expect((await c.listCached()).list[0]!.allowedOrigins).toEqual(['https://api.example']);
  });
});
