/**
 * Fixtures for the identity tests: an org with its OIDC configuration and SCIM token
 * set through the same functions the admin API runs, a scripted SCIM client over real
 * HTTP, two orgs each with its own SCIM token on one real server (the SCIM tests prove
 * one org never reaches the other), and raw calls of the OIDC enrolment routes (to send
 * tokens the app would not).
 */
import { createOrg } from '../../src/server/admin/admin';
import type { Database } from '../../src/server/db/db';
import type { RunningServer } from '../../src/server/server';
import { setOidcConfigIn } from '../../src/server/identity/oidc-config';
import { rotateScimTokenIn } from '../../src/server/identity/scim/token';
import type { OidcConfigInput } from '../../src/shared/contracts/identity';
import { openTestDatabase, startTestServer } from '../unit/server/helpers';

export async function configureOidc(db: Database, orgId: string, config: OidcConfigInput): Promise<void> {
  await db.asOwner((sql) => setOidcConfigIn(sql, orgId, config));
}

export async function scimTokenFor(db: Database, orgId: string): Promise<string> {
  return (await db.asOwner((sql) => rotateScimTokenIn(sql, orgId))).token;
}

export interface ScimAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
}

/** A SCIM client as an IdP's provisioning agent is: bearer token, application/scim+json. */
export function scimClient(baseUrl: string, token: string) {
  return async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<ScimAnswer> => {
    const res = await fetch(`${baseUrl}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json', ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...extra },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}

export interface ScimOrgs {
  readonly db: Database;
  readonly server: RunningServer;
  readonly orgA: string;
  readonly orgB: string;
  // Not readonly: a test that breaks an org's SCIM token rotates it and puts a working client back.
  tokenA: string;
  tokenB: string;
  scimA: ReturnType<typeof scimClient>;
  scimB: ReturnType<typeof scimClient>;
  close(): Promise<void>;
}

/** A fresh database of this kind, a server on it, and orgs A and B with a SCIM client each. */
export async function startScimOrgs(kind: 'pglite' | 'pg'): Promise<ScimOrgs> {
  const db = (await openTestDatabase(kind)).db;
  const server = await startTestServer(db);
  const orgA = (await createOrg(db, 'org-a')).orgId;
  const orgB = (await createOrg(db, 'org-b')).orgId;
  const tokenA = await scimTokenFor(db, orgA);
  const tokenB = await scimTokenFor(db, orgB);
  return {
    db,
    server,
    orgA,
    orgB,
    tokenA,
    tokenB,
    scimA: scimClient(server.url, tokenA),
    scimB: scimClient(server.url, tokenB),
    async close() {
      await server.close();
      await db.close();
    },
  };
}

export async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; json: { error?: { code: string; message: string; details?: Record<string, unknown> } } & Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
