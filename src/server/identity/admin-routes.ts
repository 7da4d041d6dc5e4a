/**
 * Admin API routes of enterprise identity (docs/admin-api.md §3): the org's OIDC
 * configuration and its SCIM token. Signed by an admin key and recorded in
 * admin_actions like every admin route (../admin/auth.ts); the SCIM token is returned
 * once and its action row holds no part of it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import { orgParamsSchema, revokedResponseSchema, type AdminAction } from '../../shared/contracts/admin';
import { IDENTITY_ADMIN_ROUTES, deletedResponseSchema, oidcConfigResponseSchema, oidcConfigSchema, scimTokenResponseSchema } from '../../shared/contracts/identity';
import type { Database, SqlClient } from '../db/db';
import { readJsonBody } from '../http/body';
import { withAdmin } from '../admin/auth';
import { deleteOidcConfigIn, getOidcConfigIn, setOidcConfigIn } from './oidc-config';
import { revokeScimTokenIn, rotateScimTokenIn } from './scim/token';

const noQuerySchema = z.strictObject({});

export function registerIdentityAdminRoutes(app: FastifyInstance, db: Database, now: () => number): void {
  const run = <T>(req: FastifyRequest, action: AdminAction, route: (sql: SqlClient, org: string) => Promise<T>, takesBody = false) => {
    const raw = (req.params as Record<string, unknown>).org;
    const orgId = typeof raw === 'string' && /^[0-9a-f-]{36}$/.test(raw) ? raw : null;
    return withAdmin(db, { method: req.method, url: req.url, headers: req.headers, rawBody: req.rawBody }, now(), action, { orgId, target: null }, (_who, sql) => {
      noQuerySchema.parse(req.query);
      if (!takesBody && (req.rawBody?.length ?? 0) > 0) throw new LatchkeyError('invalid_input', 'This request takes no body.');
      return route(sql, orgParamsSchema.parse(req.params).org);
    });
  };

  app.get(IDENTITY_ADMIN_ROUTES.oidc(':org'), async (req) => oidcConfigResponseSchema.parse(await run(req, 'get_oidc_config', (sql, org) => getOidcConfigIn(sql, org))));
  app.post(IDENTITY_ADMIN_ROUTES.oidc(':org'), async (req) =>
    oidcConfigResponseSchema.parse(await run(req, 'set_oidc_config', (sql, org) => setOidcConfigIn(sql, org, oidcConfigSchema.parse(readJsonBody(req))), true)),
  );
  app.post(IDENTITY_ADMIN_ROUTES.deleteOidc(':org'), async (req) =>
    deletedResponseSchema.parse(
      await run(req, 'delete_oidc_config', async (sql, org) => {
        await deleteOidcConfigIn(sql, org);
        return { deleted: true };
      }),
    ),
  );
  app.post(IDENTITY_ADMIN_ROUTES.scimToken(':org'), async (req) => scimTokenResponseSchema.parse(await run(req, 'rotate_scim_token', (sql, org) => rotateScimTokenIn(sql, org))));
  app.post(IDENTITY_ADMIN_ROUTES.revokeScimToken(':org'), async (req) =>
    revokedResponseSchema.parse(
      await run(req, 'revoke_scim_token', async (sql, org) => {
        await revokeScimTokenIn(sql, org);
        return { revoked: true };
      }),
    ),
  );
}
