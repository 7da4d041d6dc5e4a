/**
 * The SCIM filters this server evaluates (RFC 7644 §3.4.2.2): one comparison
 * `<attribute> eq "<value>"` on userName, externalId or id — what IdPs send to find a
 * user before creating it. Attribute and operator are case-insensitive; userName is
 * compared case-insensitively (not caseExact), externalId and id exactly. Anything
 * else is refused with scimType invalidFilter rather than answered wrongly.
 */
import { badRequest } from './errors';

export interface UserFilter {
  readonly attribute: 'userName' | 'externalId' | 'id';
  readonly value: string;
}

const EQ = /^\s*(username|externalid|id)\s+eq\s+"((?:[^"\\]|\\.){0,512})"\s*$/i;
const ATTRS = { username: 'userName', externalid: 'externalId', id: 'id' } as const;

export function parseFilter(filter: string): UserFilter {
  const m = EQ.exec(filter);
  if (!m) throw badRequest('Only filters of the form userName eq "…", externalId eq "…" or id eq "…" are supported.', 'invalidFilter');
  let value: unknown;
  try {
    value = JSON.parse(`"${m[2]!}"`);
  } catch {
    throw badRequest('The filter value is not a valid string.', 'invalidFilter');
  }
  return { attribute: ATTRS[m[1]!.toLowerCase() as keyof typeof ATTRS], value: value as string };
}
