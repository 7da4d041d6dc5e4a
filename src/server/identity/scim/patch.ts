/**
 * SCIM PATCH (RFC 7644 §3.5.2) over the stored user state. Operations apply in order
 * to a copy; the result is stored only if every one applied (all or nothing).
 *
 * Supported: op add, replace, remove (any case: Azure AD writes "Replace"); paths
 * active, userName, displayName, externalId, name, name.<sub-attribute>, emails,
 * emails[type eq "<t>"] and emails[type eq "<t>"].value; without a path, a value object
 * whose members are such paths (Okta: {"op":"replace","value":{"active":false}}).
 * Booleans may be strings ("False"), as Azure AD sends them.
 */
import { z } from 'zod';
import { badRequest } from './errors';
import { PATCH_SCHEMA, displayNameSchema, emailSchema, emailsSchema, externalIdSchema, lowerKeys, nameSchema, scimBoolean, userNameSchema, type UserState } from './resource';

const patchBodySchema = z.strictObject({
  schemas: z.array(z.string().max(256)).min(1).max(4),
  operations: z
    .array(
      z.strictObject({
        op: z.string().regex(/^(add|replace|remove)$/i, 'add, replace or remove'),
        path: z.string().min(1).max(256).optional(),
        value: z.unknown().optional(),
      }),
    )
    .min(1)
    .max(100),
});

function parseValue<S extends z.ZodType>(schema: S, v: unknown, path: string): z.infer<S> {
  const r = schema.safeParse(v);
  if (!r.success) throw badRequest(`The value for "${path.slice(0, 64)}" is not valid: ${r.error.issues[0]?.message ?? 'invalid'}.`, 'invalidValue');
  return r.data;
}

const NAME_SUBS = new Set(['formatted', 'familyname', 'givenname', 'middlename', 'honorificprefix', 'honorificsuffix']);
const EMAIL_FILTER = /^emails\[type eq "([^"\\]{1,32})"\](\.value)?$/;

function apply(state: UserState, op: 'add' | 'replace' | 'remove', rawPath: string, value: unknown): void {
  const path = rawPath.toLowerCase();
  const removing = op === 'remove';
  switch (path) {
    case 'active':
      if (removing) throw badRequest('"active" cannot be removed; replace it with true or false.', 'invalidValue');
      state.active = parseValue(scimBoolean, value, rawPath);
      return;
    case 'username':
      if (removing) throw badRequest('"userName" is required and cannot be removed.', 'invalidValue');
      state.userName = parseValue(userNameSchema, value, rawPath);
      return;
    case 'displayname':
      state.displayName = removing ? null : parseValue(displayNameSchema, value, rawPath);
      return;
    case 'externalid':
      state.externalId = removing ? null : parseValue(externalIdSchema, value, rawPath);
      return;
    case 'name':
      state.name = removing ? null : op === 'add' ? { ...(state.name ?? {}), ...parseValue(nameSchema, value, rawPath) } : parseValue(nameSchema, value, rawPath);
      return;
    case 'emails': {
      if (removing) {
        state.emails = [];
        return;
      }
      const list = parseValue(emailsSchema, Array.isArray(value) ? value : [value], rawPath);
      state.emails = op === 'add' ? [...state.emails, ...list].slice(0, 20) : list;
      return;
    }
  }
  if (path.startsWith('name.') && NAME_SUBS.has(path.slice(5))) {
    const sub = path.slice(5) as keyof NonNullable<UserState['name']>;
    const name = Object.entries(state.name ?? {}).filter(([k]) => k !== sub);
    if (!removing) name.push([sub, parseValue(displayNameSchema, value, rawPath)]);
    state.name = name.length > 0 ? Object.fromEntries(name) : null;
    return;
  }
  const m = EMAIL_FILTER.exec(path);
  if (m) {
    const type = m[1]!;
    const rest = state.emails.filter((e) => e.type?.toLowerCase() !== type);
    if (removing) {
      state.emails = rest;
      return;
    }
    const current = state.emails.find((e) => e.type?.toLowerCase() === type);
    const entry = m[2] ? { ...(current ?? { type }), value: parseValue(userNameSchema, value, rawPath) } : parseValue(emailSchema, value, rawPath);
    state.emails = [...rest, entry].slice(0, 20);
    return;
  }
  throw badRequest(`The path "${rawPath.slice(0, 64)}" is not supported by this server.`, 'invalidPath');
}

/** The state after the PATCH body's operations; a SCIM 400 for anything it cannot apply. */
export function applyPatch(current: UserState, raw: unknown): UserState {
  const r = patchBodySchema.safeParse(lowerKeys(raw));
  if (!r.success) {
    const i = r.error.issues[0];
    throw badRequest(`The PATCH request is not valid: ${i?.path.join('.') || 'body'}: ${i?.message ?? 'invalid'}.`, 'invalidSyntax');
  }
  if (!r.data.schemas.includes(PATCH_SCHEMA)) throw badRequest(`"schemas" must include ${PATCH_SCHEMA}.`, 'invalidSyntax');
  const state: UserState = { ...current, name: current.name ? { ...current.name } : null, emails: [...current.emails] };
  for (const o of r.data.operations) {
    const op = o.op.toLowerCase() as 'add' | 'replace' | 'remove';
    if (o.path !== undefined) {
      if (op !== 'remove' && o.value === undefined) throw badRequest(`The "${op}" operation needs a value.`, 'invalidSyntax');
      apply(state, op, o.path, o.value);
      continue;
    }
    if (op === 'remove') throw badRequest('A "remove" operation needs a path.', 'noTarget');
    if (o.value === null || typeof o.value !== 'object' || Array.isArray(o.value)) throw badRequest(`An "${op}" without a path needs an object value.`, 'invalidSyntax');
    for (const [k, v] of Object.entries(o.value)) apply(state, op, k, v);
  }
  return state;
}
