/**
 * The app's side of OIDC sign-in (src/main/device/oidc-sign-in.ts) against a REAL
 * OpenID provider on 127.0.0.1: the authorization request is code + PKCE S256 with the
 * server's nonce and a redirect to 127.0.0.1 on an ephemeral port (RFC 8252 §7.3); the
 * listener answers only GET /callback; a callback forged by another local process (wrong
 * state) is refused rather than used; a denied sign-in is "cancelled"; and a browser
 * that never comes back ends in a timeout, with the listener closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { signInWithOidc } from '../../../src/main/device/oidc-sign-in';
import type { OidcStartResponse } from '../../../src/shared/contracts/identity';
import { LatchkeyError } from '../../../src/shared/errors';
import { browserFor, startTestIdp, type TestIdp } from '../../identity/test-idp';

let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp({ clients: ['app'], accounts: { alice: { email: 'alice@acme.test' } } });
});
afterAll(async () => {
  await idp?.close();
});

const attempt = (): OidcStartResponse => ({
  attemptId: '00000000-0000-4000-8000-000000000001',
  nonce: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url'),
  issuer: idp.issuer,
  clientId: 'app',
  scope: 'openid email',
  expiresAt: new Date(Date.now() + 600_000).toISOString(),
});

async function refusal(p: Promise<unknown>): Promise<LatchkeyError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LatchkeyError);
  return err as LatchkeyError;
}

describe('loopback sign-in', () => {
  it('asks for code + PKCE S256 with the nonce, redirects to 127.0.0.1:<port>/callback, and returns the ID token', async () => {
    const a = attempt();
    let asked: URL | undefined;
    const token = await signInWithOidc(a, {
      openBrowser: async (url) => {
        asked = new URL(url);
        const redirect = new URL(asked.searchParams.get('redirect_uri')!);
        // Only GET /callback is the redirect: other paths and methods are 404 and change nothing.
        expect((await fetch(new URL('/other', redirect))).status).toBe(404);
        expect((await fetch(redirect, { method: 'POST' })).status).toBe(404);
        await browserFor('alice')(url);
      },
    });
    const p = asked!.searchParams;
    expect(p.get('response_type')).toBe('code');
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('nonce')).toBe(a.nonce);
    expect(p.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(p.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d{2,5}\/callback$/);
    expect(decodeJwt(token)).toMatchObject({ iss: idp.issuer, aud: 'app', nonce: a.nonce, email: 'alice@acme.test' });
  });

  it('a callback forged by another local process (wrong state) is refused, not used', async () => {
    const err = await refusal(
      signInWithOidc(attempt(), {
        openBrowser: async (url) => {
          const redirect = new URL(new URL(url).searchParams.get('redirect_uri')!);
          redirect.search = new URLSearchParams({ code: 'stolen-or-made-up', state: 'not-the-apps', iss: idp.issuer }).toString();
          await fetch(redirect);
        },
      }),
    );
    expect(err.code).toBe('upstream_failed');
  });

  it('a sign-in the person denied is cancelled', async () => {
    const err = await refusal(
      signInWithOidc(attempt(), {
        openBrowser: async (url) => {
          const u = new URL(url);
          const redirect = new URL(u.searchParams.get('redirect_uri')!);
          redirect.search = new URLSearchParams({ error: 'access_denied', state: u.searchParams.get('state')! }).toString();
          await fetch(redirect);
        },
      }),
    );
    expect(err.code).toBe('cancelled');
  });

  it('a browser that never comes back ends in a timeout and the listener is closed', async () => {
    let redirect: URL | undefined;
    const err = await refusal(signInWithOidc(attempt(), { timeoutMs: 50, openBrowser: (url) => void (redirect = new URL(new URL(url).searchParams.get('redirect_uri')!)) }));
    expect(err.code).toBe('timeout');
    await expect(fetch(redirect!)).rejects.toThrow();
  });

  it('an IdP that cannot be reached is named, and nothing is opened', async () => {
    let opened = false;
    const err = await refusal(signInWithOidc({ ...attempt(), issuer: 'http://127.0.0.1:9' }, { openBrowser: () => void (opened = true) }));
    expect(err.code).toBe('upstream_failed');
    expect(opened).toBe(false);
  });
});
