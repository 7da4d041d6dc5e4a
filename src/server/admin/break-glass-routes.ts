/**
 * Break-glass routes of the admin API (docs/admin-api.md §3.5). Signed admin requests
 * like every admin route (withAdmin: nonce, time, action log row, refused ones too);
 * bodies and params parsed by the shared schemas only after authentication.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import { orgParamsSchema, personParamsSchema, type AdminAction } from '../../shared/contracts/admin';
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
import { withAdmin, type ActionNote, type AdminContext } from './auth';
import type { SqlClient } from '../db/db';
import { readBreakGlassKeyIn, readOrgRecoverySlotIn, registerBreakGlassKeyIn, storeBreakGlassSlotIn } from './break-glass';

const noQuerySchema = z.strictObject({});

export function registerBreakGlassRoutes(app: FastifyInstance, db: Database, now: () => number): void {
  const run = <T>(req: FastifyRequest, action: AdminAction, takesBody: boolean, route: (who: AdminContext, sql: SqlClient, note: ActionNote) => Promise<T>) => {
    const p = req.params as Record<string, unknown>;
    const rawId = (v: unknown): string | null => (typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v) ? v : null);
    const note = { orgId: rawId(p.org), target: rawId(p.user) };
    return withAdmin(db, { method: req.method, url: req.url, headers: req.headers, rawBody: req.rawBody }, now(), action, note, (who, sql, n) => {
      noQuerySchema.parse(req.query);
      if (!takesBody && (req.rawBody?.length ?? 0) > 0) throw new LatchkeyError('invalid_input', 'This request takes no body.');
      return route(who, sql, n);
    });
  };

  app.post(BREAK_GLASS_ROUTES.key(':org'), async (req) =>
    breakGlassKeyResponseSchema.parse(
      await run(req, 'break_glass_register', true, async (who, sql, note) => {
        const { org } = orgParamsSchema.parse(req.params);
        const body = registerBreakGlassKeyRequestSchema.parse(readJsonBody(req));
        await registerBreakGlassKeyIn(sql, org, who.adminId, body);
        note.target = body.keyId;
        return readBreakGlassKeyIn(sql, org);
      }),
    ),
  );
  app.get(BREAK_GLASS_ROUTES.key(':org'), async (req) =>
    breakGlassKeyResponseSchema.parse(
      await run(req, 'break_glass_read_slot', false, async (_w, sql, note) => {
        note.target = 'key';
        return readBreakGlassKeyIn(sql, orgParamsSchema.parse(req.params).org);
      }),
    ),
  );
  app.get(BREAK_GLASS_ROUTES.slot(':org', ':user'), async (req) =>
    breakGlassSlotResponseSchema.parse(
      await run(req, 'break_glass_read_slot', false, async (_w, sql) => {
        const { org, user } = personParamsSchema.parse(req.params);
        return readOrgRecoverySlotIn(sql, org, user);
      }),
    ),
  );
  app.post(BREAK_GLASS_ROUTES.recover(':org', ':user'), async (req) =>
    breakGlassRecoverResponseSchema.parse(
      await run(req, 'break_glass_recover', true, async (who, sql, note) => {
        const { org, user } = personParamsSchema.parse(req.params);
        const body = breakGlassRecoverRequestSchema.parse(readJsonBody(req));
        // The log row names the person, the new slot and whose shares made it (names and ids only).
        note.target = JSON.stringify({ userId: user, recordId: body.recordId, admins: [...body.admins].sort() });
        const r = await storeBreakGlassSlotIn(sql, org, user, who.adminId, body);
        return { userId: user, recordId: body.recordId, ...r };
      }),
    ),
  );
}
