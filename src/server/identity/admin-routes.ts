/**
 * Admin API routes of enterprise identity (docs/admin-api.md §3): the org's OIDC
 * configuration, its SCIM token and what its IdP changed over SCIM. Signed by an admin key and recorded in
 * admin_actions like every admin route (../admin/auth.ts); the SCIM token is returned
 * once and its action row holds no part of it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import { orgParamsSchema, revokedResponseSchema, type AdminAction } from '../../shared/contracts/admin';
import {
  IDENTITY_ADMIN_ROUTES,
  deletedResponseSchema,
  oidcConfigResponseSchema,
  oidcConfigSchema,
  scimEventListSchema,
  scimEventsQuerySchema,
  scimTokenResponseSchema,
} from '../../shared/contracts/identity';
import type { Database, SqlClient } from '../db/db';
import { readJsonBody } from '../http/body';
import { withAdmin } from '../admin/auth';
import { deleteOidcConfigIn, getOidcConfigIn, setOidcConfigIn } from './oidc-config';
import { revokeScimTokenIn, rotateScimTokenIn } from './scim/token';
import { listScimEventsIn } from './scim/events';

const noQuerySchema = z.strictObject({});

export function registerIdentityAdminRoutes(app: FastifyInstance, db: Database, now: () => number): void {
  const run = <T>(req: FastifyRequest, action: AdminAction, route: (sql: SqlClient, org: string) => Promise<T>, takes: 'nothing' | 'body' | 'query' = 'nothing') => {
    const raw = (req.params as Record<string, unknown>).org;
    const orgId = typeof raw === 'string' && /^[0-9a-f-]{36}$/.test(raw) ? raw : null;
    return withAdmin(db, { method: req.method, url: req.url, headers: req.headers, rawBody: req.rawBody }, now(), action, { orgId, target: null }, (_who, sql) => {
      if (takes !== 'query') noQuerySchema.parse(req.query);
      if (takes !== 'body' && (req.rawBody?.length ?? 0) > 0) throw new LatchkeyError('invalid_input', 'This request takes no body.');
      return route(sql, orgParamsSchema.parse(req.params).org);
    });
  };

  app.get(IDENTITY_ADMIN_ROUTES.oidc(':org'), async (req) => oidcConfigResponseSchema.parse(await run(req, 'get_oidc_config', (sql, org) => getOidcConfigIn(sql, org))));
  app.post(IDENTITY_ADMIN_ROUTES.oidc(':org'), async (req) =>
    oidcConfigResponseSchema.parse(await run(req, 'set_oidc_config', (sql, org) => setOidcConfigIn(sql, org, oidcConfigSchema.parse(readJsonBody(req))), 'body')),
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
  app.get(IDENTITY_ADMIN_ROUTES.scimEvents(':org'), async (req) =>
    scimEventListSchema.parse({
      events: await run(
        req,
        'list_scim_events',
        (sql, org) => {
          const q = scimEventsQuerySchema.parse(req.query);
          return listScimEventsIn(sql, org, { limit: q.limit ?? 100, ...(q.before === undefined ? {} : { before: q.before }) });
        },
        'query',
      ),
    }),
  );
}
