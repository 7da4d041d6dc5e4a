/**
 * A real OpenID provider (panva/oidc-provider) on 127.0.0.1 for the identity tests:
 * its own RSA signing key (so two IdPs never share keys), native public clients with
 * loopback redirects (RFC 8252 §7.3: any port), PKCE required, and a few accounts
 * whose e-mail and groups claims go into the ID token. Its dev interactions (a login
 * form that takes any password, then a consent form) are driven over HTTP by
 * `browserFor`, which stands in for the person's browser: it follows the IdP's
 * redirects with cookies until the redirect to the app's loopback listener, and GETs that.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface TestAccount {
  readonly email: string;
  readonly emailVerified?: boolean;
  readonly groups?: readonly string[];
}

export interface TestIdp {
  readonly issuer: string;
  close(): Promise<void>;
}

export async function startTestIdp(opts: { clients: readonly string[]; accounts: Readonly<Record<string, TestAccount>> }): Promise<TestIdp> {
  const server: Server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    clients: opts.clients.map((client_id) => ({
      client_id,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
    })),
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-idp-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'email', 'groups'],
    // The claims go into the ID token itself: the org server reads only the ID token.
    conformIdTokenClaims: false,
    findAccount: (_ctx: unknown, id: string) => {
      const a = opts.accounts[id];
      if (!a) return undefined;
      return { accountId: id, claims: () => ({ sub: id, email: a.email, email_verified: a.emailVerified ?? true, groups: [...(a.groups ?? [])] }) };
    },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, AuthorizationCode: 60, IdToken: 3600 },
  });
  provider.on('server_error', () => undefined);
  server.on('request', provider.callback());
  return {
    issuer,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * A browser that signs in as `login` at whatever IdP the URL points to and lands on the
 * redirect (the app's loopback callback). Returns what the device service's
 * `openBrowser` dependency takes.
 */
export function browserFor(login: string): (url: string) => Promise<void> {
  return async (start) => {
    const cookies = new Map<string, string>();
    const send = async (url: string, init: { method?: string; body?: string } = {}): Promise<Response> => {
      const res = await fetch(url, {
        method: init.method ?? 'GET',
        redirect: 'manual',
        headers: {
          cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(init.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
      return res;
    };
    let url = start;
    const origin = new URL(start).origin;
    for (let hop = 0; hop < 20; hop++) {
      const res = await send(url);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, url);
        // Left the IdP: this is the redirect to the app. Deliver it and stop.
        if (next.origin !== origin) {
          await fetch(next);
          return;
        }
        url = next.href;
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new Error(`test browser: IdP answered ${res.status}`);
      const prompt = /name="prompt" value="(login|consent)"/.exec(html)?.[1];
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (!prompt || !action) throw new Error('test browser: no sign-in form on the page');
      const body = prompt === 'login' ? new URLSearchParams({ prompt, login, password: 'any' }).toString() : new URLSearchParams({ prompt }).toString();
      const posted = await send(new URL(action.replace(/&amp;/g, '&'), url).href, { method: 'POST', body });
      const loc = posted.headers.get('location');
      if (!loc) throw new Error(`test browser: the form post answered ${posted.status}`);
      url = new URL(loc, url).href;
    }
    throw new Error('test browser: too many redirects');
  };
}
