/**
 * Sign-in with the organisation's IdP for enrolment (docs/identity.md §3.2): OAuth 2.0
 * authorization code with PKCE (S256) for a native app, redirect to a loopback
 * listener on an ephemeral port (RFC 8252 §7.3: http://127.0.0.1:<port>/callback,
 * never "localhost", which may resolve elsewhere), with openid-client. The nonce is
 * the one the org server bound to this enrolment attempt; openid-client checks state,
 * the RFC 9207 `iss` of the answer (mix-up), the PKCE verifier and the ID token's
 * nonce, and the server checks everything again (it trusts nothing the app says).
 *
 * The ID token is returned to the caller only to be sent to the org server; no token
 * is stored, logged or put in an error message.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { LatchkeyError } from '../../shared/errors';
import type { OidcStartResponse } from '../../shared/contracts/identity';

export interface OidcSignInDeps {
  /** Opens the authorization URL in the person's browser (Electron: shell.openExternal). */
  readonly openBrowser: (url: string) => Promise<void> | void;
  /** How long to wait for the browser to come back (default 5 minutes). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DONE_PAGE = '<!doctype html><meta charset="utf-8"><title>Latchkey</title><p>Sign-in finished. You can close this window and return to Latchkey.</p>';
const LOOPBACK_ISSUER = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?(\/|$)/;

/** Listens on 127.0.0.1:<ephemeral>/callback for the one redirect; anything else is 404. */
async function loopbackListener(): Promise<{ redirectUri: string; next: Promise<URL>; close(): void }> {
  let resolve!: (u: URL) => void;
  const next = new Promise<URL>((r) => (resolve = r));
  let done = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback' || done) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    done = true;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end(DONE_PAGE);
    resolve(url);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  return {
    redirectUri,
    next: next.then((u) => new URL(`${redirectUri}${u.search}`)),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

function idpError(message: string): LatchkeyError {
  return new LatchkeyError('upstream_failed', message);
}

/** Runs the sign-in for the attempt `start` and returns the ID token the IdP issued. */
export async function signInWithOidc(start: OidcStartResponse, deps: OidcSignInDeps): Promise<string> {
  const insecure = LOOPBACK_ISSUER.test(start.issuer);
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(
      new URL(start.issuer),
      start.clientId,
      undefined,
      oidc.None(),
      // Plain http only to an IdP on this computer (the issuer schema allows nothing else).
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- marked deprecated only as a warning sign; a loopback IdP (development, tests) needs it
      insecure ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
    );
  } catch {
    throw idpError(`Your organisation's sign-in service (${new URL(start.issuer).host}) could not be reached or did not answer as an OpenID provider.`);
  }
  const listener = await loopbackListener();
  let timer: NodeJS.Timeout | undefined;
  try {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: listener.redirectUri,
      scope: start.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce: start.nonce,
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LatchkeyError('timeout', 'The sign-in was not finished in time. Start the enrolment again.')), deps.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    });
    try {
      await deps.openBrowser(url.href);
    } catch {
      throw new LatchkeyError('unsupported', 'The sign-in page could not be opened in your browser.');
    }
    const callback = await Promise.race([listener.next, timeout]);
    const denied = callback.searchParams.get('error');
    if (denied !== null) {
      throw new LatchkeyError(
        denied === 'access_denied' ? 'cancelled' : 'upstream_failed',
        denied === 'access_denied' ? 'The sign-in was cancelled.' : 'Your sign-in service refused the sign-in.',
      );
    }
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: start.nonce, idTokenExpected: true });
    } catch {
      throw idpError('The answer from your sign-in service could not be verified, so the sign-in was not used. Start the enrolment again.');
    }
    if (typeof tokens.id_token !== 'string') throw idpError('Your sign-in service did not return an ID token.');
    return tokens.id_token;
  } finally {
    if (timer) clearTimeout(timer);
    listener.close();
  }
}
