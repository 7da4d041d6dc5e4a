/**
 * Break-glass routes of the admin API (docs/admin-api.md §3.5). Signed admin requests
 * like every admin route (./signed-routes.ts: nonce, time, action log row, refused ones
 * too); bodies and params parsed by the shared schemas only after authentication.
 */
import type { FastifyInstance } from 'fastify';
import { orgParamsSchema, personParamsSchema } from '../../shared/contracts/admin';
import {
  BREAK_GLASS_ROUTES,
  breakGlassKeyResponseSchema,
  breakGlassRecoverRequestSchema,
  breakGlassRecoverResponseSchema,
  breakGlassSlotResponseSchema,
  registerBreakGlassKeyRequestSchema,
} from '../../shared/contracts/break-glass';
import type { Database } from '../db/db';
import { readJsonBody } from '../http/body';
import { registerSignedAdminRoutes } from './signed-routes';
import { readBreakGlassKeyIn, readOrgRecoverySlotIn, registerBreakGlassKeyIn, storeBreakGlassSlotIn } from './break-glass';

export function registerBreakGlassRoutes(app: FastifyInstance, db: Database, now: () => number): void {
  registerSignedAdminRoutes(app, db, now, [
    {
      method: 'POST',
      path: BREAK_GLASS_ROUTES.key(':org'),
      action: 'break_glass_register',
      takes: 'body',
      response: breakGlassKeyResponseSchema,
      handle: async ({ req, who, sql, note }) => {
        const { org } = orgParamsSchema.parse(req.params);
        const body = registerBreakGlassKeyRequestSchema.parse(readJsonBody(req));
        await registerBreakGlassKeyIn(sql, org, who.adminId, body);
        note.target = body.keyId;
        return readBreakGlassKeyIn(sql, org);
      },
    },
    {
      method: 'GET',
      path: BREAK_GLASS_ROUTES.key(':org'),
      action: 'break_glass_read_slot',
      response: breakGlassKeyResponseSchema,
      handle: async ({ req, sql, note }) => {
        note.target = 'key';
        return readBreakGlassKeyIn(sql, orgParamsSchema.parse(req.params).org);
      },
    },
    {
      method: 'GET',
      path: BREAK_GLASS_ROUTES.slot(':org', ':user'),
      action: 'break_glass_read_slot',
      response: breakGlassSlotResponseSchema,
      handle: ({ req, sql }) => {
        const { org, user } = personParamsSchema.parse(req.params);
        return readOrgRecoverySlotIn(sql, org, user);
      },
    },
    {
      method: 'POST',
      path: BREAK_GLASS_ROUTES.recover(':org', ':user'),
      action: 'break_glass_recover',
      takes: 'body',
      response: breakGlassRecoverResponseSchema,
      handle: async ({ req, who, sql, note }) => {
        const { org, user } = personParamsSchema.parse(req.params);
        const body = breakGlassRecoverRequestSchema.parse(readJsonBody(req));
        // The log row names the person, the new slot and whose shares made it (names and ids only).
        note.target = JSON.stringify({ userId: user, recordId: body.recordId, admins: [...body.admins].sort() });
        const r = await storeBreakGlassSlotIn(sql, org, user, who.adminId, body);
        return { userId: user, recordId: body.recordId, ...r };
      },
    },
  ]);
}
