/**
 * Admin API routes of enterprise identity (docs/admin-api.md §3): the org's OIDC
 * configuration, its SCIM token and what its IdP changed over SCIM. Signed by an admin key and recorded in
 * admin_actions like every admin route (../admin/signed-routes.ts); the SCIM token is returned
 * once and its action row holds no part of it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { orgParamsSchema, revokedResponseSchema } from '../../shared/contracts/admin';
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
import { registerSignedAdminRoutes, type SignedRouteContext } from '../admin/signed-routes';
import { deleteOidcConfigIn, getOidcConfigIn, setOidcConfigIn } from './oidc-config';
import { revokeScimTokenIn, rotateScimTokenIn } from './scim/token';
import { listScimEventsIn } from './scim/events';

const orgOf = (req: FastifyRequest): string => orgParamsSchema.parse(req.params).org;

/** A route whose action only acts: it answers the same fixed reply every time it succeeds. */
const acting =
  <A>(action: (sql: SqlClient, org: string) => Promise<unknown>, reply: A) =>
  async ({ req, sql }: SignedRouteContext): Promise<A> => {
    await action(sql, orgOf(req));
    return reply;
  };

export function registerIdentityAdminRoutes(app: FastifyInstance, db: Database, now: () => number): void {
  registerSignedAdminRoutes(app, db, now, [
    {
      method: 'GET',
      path: IDENTITY_ADMIN_ROUTES.oidc(':org'),
      action: 'get_oidc_config',
      response: oidcConfigResponseSchema,
      handle: ({ req, sql }) => getOidcConfigIn(sql, orgOf(req)),
    },
    {
      method: 'POST',
      path: IDENTITY_ADMIN_ROUTES.oidc(':org'),
      action: 'set_oidc_config',
      takes: 'body',
      response: oidcConfigResponseSchema,
      handle: ({ req, sql }) => setOidcConfigIn(sql, orgOf(req), oidcConfigSchema.parse(readJsonBody(req))),
    },
    {
      method: 'POST',
      path: IDENTITY_ADMIN_ROUTES.deleteOidc(':org'),
      action: 'delete_oidc_config',
      response: deletedResponseSchema,
      handle: acting(deleteOidcConfigIn, { deleted: true }),
    },
    {
      method: 'POST',
      path: IDENTITY_ADMIN_ROUTES.scimToken(':org'),
      action: 'rotate_scim_token',
      response: scimTokenResponseSchema,
      handle: ({ req, sql }) => rotateScimTokenIn(sql, orgOf(req)),
    },
    {
      method: 'POST',
      path: IDENTITY_ADMIN_ROUTES.revokeScimToken(':org'),
      action: 'revoke_scim_token',
      response: revokedResponseSchema,
      handle: acting(revokeScimTokenIn, { revoked: true }),
    },
    {
      method: 'GET',
      path: IDENTITY_ADMIN_ROUTES.scimEvents(':org'),
      action: 'list_scim_events',
      takes: 'query',
      response: scimEventListSchema,
      handle: async ({ req, sql }) => {
        const org = orgOf(req);
        const q = scimEventsQuerySchema.parse(req.query);
        return { events: await listScimEventsIn(sql, org, { limit: q.limit ?? 100, ...(q.before === undefined ? {} : { before: q.before }) }) };
      },
    },
  ]);
}
