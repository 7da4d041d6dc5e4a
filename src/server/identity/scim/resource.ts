/**
 * The SCIM User resource as this server keeps it (docs/identity.md §4.3): parsing of
 * request bodies and the representation it answers with (RFC 7643 §4.1).
 *
 * Attribute names are case-insensitive (RFC 7643 §2.1): bodies are read with every
 * member name lower-cased, and two names that differ only in case are refused (as
 * strict JSON refuses a repeated name). Stored: userName, externalId, displayName,
 * name, emails, active. Accepted and not stored (IdPs send them): the attributes in
 * IGNORED and the enterprise extension. Anything else is refused, naming it.
 */
import { z } from 'zod';
import { badRequest } from './errors';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const IGNORED = new Set([
  'id',
  'meta',
  'nickname',
  'profileurl',
  'title',
  'usertype',
  'preferredlanguage',
  'locale',
  'timezone',
  'phonenumbers',
  'addresses',
  'roles',
  'password',
  ENTERPRISE_SCHEMA.toLowerCase(),
]);

/** Lower-cases member names at every depth; refuses names that collide once lower-cased. */
export function lowerKeys(v: unknown, depth = 0): unknown {
  if (depth > 8) throw badRequest('The request nests too deeply.', 'invalidSyntax');
  if (Array.isArray(v)) return v.map((x) => lowerKeys(x, depth + 1));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const lk = k.toLowerCase();
    if (Object.hasOwn(out, lk)) throw badRequest(`The attribute "${k.slice(0, 64)}" appears twice (attribute names are case-insensitive).`, 'invalidSyntax');
    out[lk] = lowerKeys(x, depth + 1);
  }
  return out;
}

const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'no control characters');

/** SCIM booleans; Azure AD sends "True"/"False" strings in PATCH values. */
export const scimBoolean = z.union([z.boolean(), z.string().regex(/^(true|false)$/i)]).transform((v) => (typeof v === 'boolean' ? v : v.toLowerCase() === 'true'));

export const nameSchema = z.strictObject({
  formatted: text(256).optional(),
  familyname: text(128).optional(),
  givenname: text(128).optional(),
  middlename: text(128).optional(),
  honorificprefix: text(64).optional(),
  honorificsuffix: text(64).optional(),
});
export const emailSchema = z.strictObject({
  value: text(256),
  type: text(32).optional(),
  primary: scimBoolean.optional(),
  display: text(256).optional(),
});
export const emailsSchema = z.array(emailSchema).max(20);

/** What is stored of a user, the same after any sequence of writes. */
export interface UserState {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  name: z.infer<typeof nameSchema> | null;
  emails: z.infer<typeof emailsSchema>;
  active: boolean;
}

export const userNameSchema = text(256);
export const externalIdSchema = text(256);
export const displayNameSchema = text(256);

const userBodySchema = z.object({
  schemas: z.array(z.string().max(256)).min(1).max(4),
  username: userNameSchema,
  externalid: externalIdSchema.optional(),
  displayname: displayNameSchema.optional(),
  name: nameSchema.optional(),
  emails: emailsSchema.optional(),
  active: scimBoolean.optional(),
});

function refuseUnknown(body: Record<string, unknown>, known: ReadonlySet<string>): void {
  for (const k of Object.keys(body)) {
    if (!known.has(k) && !IGNORED.has(k)) throw badRequest(`The attribute "${k.slice(0, 64)}" is not supported by this server (see its /Schemas).`, 'invalidSyntax');
  }
}
const USER_ATTRS = new Set(['schemas', 'username', 'externalid', 'displayname', 'name', 'emails', 'active']);

/** A POST or PUT body: the whole stored state (attributes left out are cleared; active defaults to true). */
export function parseUserBody(raw: unknown): UserState {
  const body = lowerKeys(raw);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a SCIM User object.', 'invalidSyntax');
  refuseUnknown(body as Record<string, unknown>, USER_ATTRS);
  const r = userBodySchema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0];
    throw badRequest(`The attribute "${i?.path.join('.') || 'body'}" is not valid: ${i?.message ?? 'invalid'}.`, i?.path[0] === 'schemas' ? 'invalidSyntax' : 'invalidValue');
  }
  const b = r.data;
  if (!b.schemas.includes(USER_SCHEMA)) throw badRequest(`"schemas" must include ${USER_SCHEMA}.`, 'invalidSyntax');
  return {
    userName: b.username,
    externalId: b.externalid ?? null,
    displayName: b.displayname ?? null,
    name: b.name ?? null,
    emails: b.emails ?? [],
    active: b.active ?? true,
  };
}

export interface StoredUser extends UserState {
  readonly id: string;
  readonly created: string;
  readonly lastModified: string;
  readonly version: number;
}

export const etagOf = (version: number): string => `W/"${version}"`;

const NAME_OUT: Record<string, string> = {
  formatted: 'formatted',
  familyname: 'familyName',
  givenname: 'givenName',
  middlename: 'middleName',
  honorificprefix: 'honorificPrefix',
  honorificsuffix: 'honorificSuffix',
};

/** The representation returned for a user (RFC 7643 §4.1, meta per §3.1). */
export function toResource(u: StoredUser, baseUrl: string): Record<string, unknown> {
  const name = u.name ? Object.fromEntries(Object.entries(u.name).map(([k, v]) => [NAME_OUT[k] ?? k, v])) : undefined;
  return {
    schemas: [USER_SCHEMA],
    id: u.id,
    ...(u.externalId !== null ? { externalId: u.externalId } : {}),
    userName: u.userName,
    ...(u.displayName !== null ? { displayName: u.displayName } : {}),
    ...(name ? { name } : {}),
    ...(u.emails.length > 0 ? { emails: u.emails } : {}),
    active: u.active,
    meta: { resourceType: 'User', created: u.created, lastModified: u.lastModified, location: `${baseUrl}/scim/v2/Users/${u.id}`, version: etagOf(u.version) },
  };
}
