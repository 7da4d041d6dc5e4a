/**
 * ID token verification for OIDC enrolment (docs/identity.md §3.3), with jose: the
 * signature against the IdP's JWKS (found through the issuer's discovery document,
 * whose `issuer` must be the configured one), then issuer, audience (the org's client
 * id; with several audiences, `azp` must be it), expiry, and the nonce of the
 * enrolment attempt, then the org's membership rule. Every refusal names what failed
 * in `details.reason` and in words; none quotes the token.
 */
import { timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import type { OidcConfig } from '../../shared/contracts/identity';
import { tryParseStrictJson } from '../../shared/encoding/strict-json';
import { hashNonce } from './oidc-nonce';

/** Signature algorithms accepted from an IdP: asymmetric only ("none" and HMAC never). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_TOLERANCE_S = 60;
const DISCOVERY_TTL_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 5_000;

export type OidcRefusal = 'issuer' | 'audience' | 'expired' | 'signature' | 'nonce' | 'claims' | 'not_allowed' | 'idp_unreachable';

function refuse(reason: OidcRefusal, message: string): LatchkeyError {
  const code = reason === 'not_allowed' ? 'forbidden' : reason === 'idp_unreachable' ? 'upstream_failed' : 'unauthorized';
  return new LatchkeyError(code, message, { reason });
}

const discoverySchema = z.object({ issuer: z.string(), jwks_uri: z.url() });
const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?\//;

type Jwks = ReturnType<typeof createRemoteJWKSet>;
const jwksByIssuer = new Map<string, { jwks: Jwks; at: number }>();

/** The IdP's key set, from its discovery document (cached for 10 minutes per issuer). */
async function jwksFor(issuer: string, now: number): Promise<Jwks> {
  const hit = jwksByIssuer.get(issuer);
  if (hit && now - hit.at < DISCOVERY_TTL_MS) return hit.jwks;
  const unreachable = refuse('idp_unreachable', "Your organisation's sign-in service could not be reached by the Latchkey server; try again later.");
  let text: string;
  try {
    const res = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (res.status !== 200) throw unreachable;
    text = await res.text();
  } catch {
    throw unreachable;
  }
  const json = tryParseStrictJson(text);
  const meta = json.ok ? discoverySchema.safeParse(json.value) : undefined;
  // OpenID Connect Discovery §4.3: the document's issuer must be the one asked for.
  if (!meta?.success || meta.data.issuer !== issuer) throw unreachable;
  const uri = meta.data.jwks_uri;
  if (!uri.startsWith('https://') && !LOOPBACK_HTTP.test(uri)) throw unreachable;
  const jwks = createRemoteJWKSet(new URL(uri), { timeoutDuration: FETCH_TIMEOUT_MS });
  if (jwksByIssuer.size > 1000) jwksByIssuer.clear();
  jwksByIssuer.set(issuer, { jwks, at: now });
  return jwks;
}

function sameNonce(claim: unknown, expectedHash: string): boolean {
  if (typeof claim !== 'string' || claim.length > 512) return false;
  const a = Buffer.from(hashNonce(claim), 'hex');
  const b = Buffer.from(expectedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface VerifiedIdentity {
  /** The verified e-mail address, lower-cased: the person's userName. */
  readonly email: string;
  readonly subject: string;
}

/** Verifies `idToken` for `config` and the attempt whose nonce hashes to `nonceHash`. */
export async function verifyIdToken(idToken: string, config: OidcConfig, nonceHash: string, now: number): Promise<VerifiedIdentity> {
  // The issuer is read unverified first only to say "another sign-in service" rather
  // than "bad signature"; nothing is accepted before jwtVerify below.
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(idToken);
  } catch {
    throw refuse('claims', 'The sign-in answer is not a valid ID token.');
  }
  if (unverified.iss !== config.issuer) throw refuse('issuer', "The sign-in came from another sign-in service than your organisation's. Sign in with your organisation's account.");
  const jwks = await jwksFor(config.issuer, now);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, jwks, {
      issuer: config.issuer,
      audience: config.clientId,
      algorithms: ALGORITHMS,
      requiredClaims: ['exp', 'iat', 'sub', 'nonce'],
      currentDate: new Date(now),
      clockTolerance: CLOCK_TOLERANCE_S,
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw refuse('expired', 'The sign-in has expired. Sign in again.');
    if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud')
      throw refuse('audience', "The sign-in was made for another application than your organisation's Latchkey. Ask your administrator to check the OIDC client id.");
    if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'iss')
      throw refuse('issuer', "The sign-in came from another sign-in service than your organisation's.");
    if (err instanceof joseErrors.JWTClaimValidationFailed) throw refuse('claims', 'The sign-in answer is missing a required part or is not valid yet.');
    if (err instanceof joseErrors.JOSEError && (err.code === 'ERR_JWKS_TIMEOUT' || err.code === 'ERR_JOSE_GENERIC'))
      throw refuse('idp_unreachable', "Your organisation's sign-in service could not be reached by the Latchkey server; try again later.");
    throw refuse('signature', "The sign-in answer's signature could not be verified against your organisation's sign-in service.");
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== config.clientId)
    throw refuse('audience', "The sign-in was made for another application than your organisation's Latchkey.");
  if (!sameNonce(payload.nonce, nonceHash)) throw refuse('nonce', 'This sign-in belongs to another enrolment attempt. Start the enrolment again.');

  const email = typeof payload.email === 'string' ? payload.email.toLowerCase() : '';
  if (!/^[^@\s]{1,64}@[a-z0-9.-]{1,253}$/.test(email) || payload.email_verified !== true)
    throw refuse('claims', 'Your sign-in service did not confirm an e-mail address for this account, so Latchkey cannot tell who you are.');
  const domain = email.slice(email.lastIndexOf('@') + 1);
  const groupsClaim = payload[config.groupsClaim];
  const groups = Array.isArray(groupsClaim) ? groupsClaim.filter((g): g is string => typeof g === 'string') : typeof groupsClaim === 'string' ? [groupsClaim] : [];
  const allowed = config.allowedDomains.includes(domain) || groups.some((g) => config.allowedGroups.includes(g));
  if (!allowed)
    throw refuse('not_allowed', 'Your organisation does not allow this account to enrol devices in Latchkey (its e-mail domain or groups are not on the allowed list).');
  return { email, subject: String(payload.sub) };
}
