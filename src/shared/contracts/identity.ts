/**
 * Enterprise identity contract (docs/identity.md): OIDC enrolment between the app and
 * the org server, the org's OIDC configuration and SCIM token over the admin API.
 * Shared by the server (src/server/identity), main (src/main/device) and the CLI.
 */
import { z } from 'zod';
import { ed25519PublicKeySchema, uuidSchema } from './sync';

export const IDENTITY_ROUTES = {
  oidcStart: '/v1/enrol/oidc/start',
  oidcComplete: '/v1/enrol/oidc/complete',
} as const;

export const IDENTITY_ADMIN_ROUTES = {
  /** GET reads, POST sets (replaces) the org's OIDC configuration. */
  oidc: (org: string) => `/v1/admin/orgs/${org}/oidc`,
  deleteOidc: (org: string) => `/v1/admin/orgs/${org}/oidc/delete`,
  /** POST creates or rotates the org's SCIM token (shown once). */
  scimToken: (org: string) => `/v1/admin/orgs/${org}/scim-token`,
  revokeScimToken: (org: string) => `/v1/admin/orgs/${org}/scim-token/revoke`,
  /** GET: what the org's IdP changed over SCIM, newest first (docs/identity.md §4.7). */
  scimEvents: (org: string) => `/v1/admin/orgs/${org}/scim-events`,
} as const;

export const deletedResponseSchema = z.strictObject({ deleted: z.literal(true) });

/** What the person sees when SCIM turned their access off; the app shows it as is. */
export const ACCESS_DISABLED_MESSAGE = 'Your organisation has turned off your access to Latchkey sync. Ask your IT administrator if you think this is a mistake.';

/** How long an OIDC enrolment attempt (its nonce) stays usable. */
export const OIDC_ATTEMPT_TTL_MS = 10 * 60_000;

/**
 * An issuer URL: https, or http on loopback only (development, tests); no credentials,
 * query or fragment (OpenID Connect Discovery §2). A regex: src/shared has no URL().
 */
const HTTPS_ISSUER = /^https:\/\/[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(\/[A-Za-z0-9\-._~/%]*)?$/;
const LOOPBACK_ISSUER = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?(\/[A-Za-z0-9\-._~/%]*)?$/;
export const issuerSchema = z
  .string()
  .max(2048)
  .refine((s) => (HTTPS_ISSUER.test(s) || LOOPBACK_ISSUER.test(s)) && !s.includes('..'), 'an https:// issuer URL (http:// only on this computer)');

/** OAuth client ids are opaque; this keeps them printable and bounded. */
export const clientIdSchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'client id (printable ASCII, no spaces)');
const domainSchema = z
  .string()
  .max(253)
  .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a lower-case DNS domain such as example.com');
const groupSchema = z.string().regex(/^[\x20-\x7e]{1,256}$/, 'a group name (printable ASCII)');
const claimNameSchema = z.string().regex(/^[A-Za-z0-9_.:/-]{1,128}$/, 'a claim name');

// ------------------------------------------------------------------ admin API

/**
 * The org's OIDC configuration. A token passes the membership check if its verified
 * e-mail's domain is in `allowedDomains`, or one of the values of its `groupsClaim`
 * claim is in `allowedGroups` (either list may be empty; both empty refuses everyone).
 * `createPeople`: an allowed token for an e-mail no person has yet creates the person
 * (just-in-time); otherwise only people an admin or SCIM created can enrol.
 */
export const oidcConfigSchema = z
  .strictObject({
    issuer: issuerSchema,
    clientId: clientIdSchema,
    allowedDomains: z.array(domainSchema).max(100),
    allowedGroups: z.array(groupSchema).max(100),
    groupsClaim: claimNameSchema.optional(),
    createPeople: z.boolean().optional(),
  })
  .refine((c) => c.allowedDomains.length > 0 || c.allowedGroups.length > 0, 'name at least one allowed e-mail domain or group');
export type OidcConfigInput = z.infer<typeof oidcConfigSchema>;
export const oidcConfigResponseSchema = z.strictObject({
  issuer: issuerSchema,
  clientId: clientIdSchema,
  allowedDomains: z.array(z.string()),
  allowedGroups: z.array(z.string()),
  groupsClaim: z.string(),
  createPeople: z.boolean(),
  updatedAt: z.iso.datetime(),
});
export type OidcConfig = z.infer<typeof oidcConfigResponseSchema>;

/** The SCIM bearer token `<orgId>.<secret>` (secret: 32 random bytes, 43 base64url characters). */
export const scimTokenSchema = z.string().regex(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/, 'SCIM token');
export const scimTokenResponseSchema = z.strictObject({ token: scimTokenSchema, createdAt: z.iso.datetime() });

/**
 * One change the org's IdP made over SCIM. `deactivate`/`reactivate`: a write that set
 * active false/true (whatever else it changed); `adopt`: a create that took over a person
 * OIDC enrolment had made just in time; `delete`: DELETE (access off, gone for SCIM).
 */
export const SCIM_EVENT_ACTIONS = ['create', 'adopt', 'update', 'deactivate', 'reactivate', 'delete'] as const;
export type ScimEventAction = (typeof SCIM_EVENT_ACTIONS)[number];
export const SCIM_EVENT_ATTRIBUTES = ['active', 'displayName', 'emails', 'externalId', 'name', 'userName'] as const;
export const scimEventSchema = z.strictObject({
  id: z.number().int().min(1),
  at: z.iso.datetime(),
  action: z.enum(SCIM_EVENT_ACTIONS),
  userId: uuidSchema,
  /** After the change; for a delete, the person's last userName. */
  userName: z.string().max(256),
  /** The SCIM attributes the change set or altered, sorted; never their values. */
  changed: z.array(z.enum(SCIM_EVENT_ATTRIBUTES)).max(SCIM_EVENT_ATTRIBUTES.length),
});
export type ScimEvent = z.infer<typeof scimEventSchema>;
export const MAX_SCIM_EVENTS_LIMIT = 1000;
export const scimEventsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_SCIM_EVENTS_LIMIT).optional(),
  /** Only events with a smaller id (page backwards). */
  before: z.coerce.number().int().min(1).optional(),
});
export const scimEventListSchema = z.strictObject({ events: z.array(scimEventSchema).max(MAX_SCIM_EVENTS_LIMIT) });

// ------------------------------------------------------------------ OIDC enrolment (unsigned)

export const oidcStartRequestSchema = z.strictObject({
  orgId: uuidSchema,
  /** The device key that will be enrolled; the attempt is bound to it. */
  publicKey: ed25519PublicKeySchema,
});
export const oidcStartResponseSchema = z.strictObject({
  attemptId: uuidSchema,
  /** Put in the authorization request's `nonce`; the ID token must carry it back. */
  nonce: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  issuer: issuerSchema,
  clientId: clientIdSchema,
  /** The scopes to request (openid email, plus the groups claim's scope when groups are allowed). */
  scope: z.string().regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/),
  expiresAt: z.iso.datetime(),
});
export type OidcStartResponse = z.infer<typeof oidcStartResponseSchema>;

/** A compact JWS: three base64url parts. Bounded: an ID token is a few KiB. */
export const idTokenSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'ID token (compact JWS)')
  .max(16_384);

export const oidcCompleteRequestSchema = z.strictObject({
  orgId: uuidSchema,
  attemptId: uuidSchema,
  idToken: idTokenSchema,
  publicKey: ed25519PublicKeySchema,
  deviceName: z.string().min(1).max(100),
  deviceId: uuidSchema.optional(),
});
