/**
 * The admin API routes (docs/admin-api.md §3): organisations, people, devices,
 * enrolment codes, admins, the admin action log, and the org audit export. Every route
 * runs through withAdmin (signed by an admin key, recorded in admin_actions); params,
 * queries and bodies are parsed with the shared zod schemas after authentication.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import {
  ADMIN_ROUTES,
  actionListSchema,
  actionsQuerySchema,
  addAdminRequestSchema,
  addAdminResponseSchema,
  adminListSchema,
  adminParamsSchema,
  auditCheckpointsResponseSchema,
  auditExportQuerySchema,
  auditKeysResponseSchema,
  createOrgRequestSchema,
  createOrgResponseSchema,
  createPersonRequestSchema,
  createPersonResponseSchema,
  deviceListSchema,
  deviceParamsSchema,
  issueEnrolCodeRequestSchema,
  issueEnrolCodeResponseSchema,
  orgListSchema,
  orgParamsSchema,
  personListSchema,
  personParamsSchema,
  revokedResponseSchema,
  whoamiResponseSchema,
  type AdminAction,
} from '../../shared/contracts/admin';
import type { Database, SqlClient } from '../db/db';
import type { ServerKey } from '../keys';
import { readJsonBody } from '../http/body';
import { listCheckpoints } from '../audit/checkpoints';
import { withAdmin, type ActionNote, type AdminContext } from './auth';
import { listAdminActions } from './actions';
import { auditExportChunks, planAuditExport } from './export';

/**
 * Strings, at most one chunk read ahead. In object mode the response writes each
 * chunk's string to the socket as it is; a byte stream would first copy every chunk
 * into a Buffer that only a later garbage collection frees (about 10 MiB more peak on
 * a 1M-record export). Object mode's default highWaterMark (16) would read 16 ahead.
 */
const EXPORT_STREAM = { objectMode: true, highWaterMark: 1 } as const;
import {
  addAdminIn,
  createOrgIn,
  createUserIn,
  issueEnrolCodeIn,
  listAdminsIn,
  listDevicesIn,
  listOrgsIn,
  listUsersIn,
  revokeAdminIn,
  revokeDeviceIn,
  revokeUserIn,
} from './admin';

const noQuerySchema = z.strictObject({});

export function registerAdminRoutes(app: FastifyInstance, db: Database, key: ServerKey, now: () => number): void {
  // `takes`: what the route reads besides its path; anything else sent is refused, so
  // every query and body goes through a schema (an empty one where none is expected).
  const run = <T>(
    req: FastifyRequest,
    action: AdminAction,
    note: Partial<ActionNote>,
    route: (who: AdminContext, sql: SqlClient, note: ActionNote) => Promise<T>,
    takes: 'nothing' | 'body' | 'query' = 'nothing',
  ) =>
    withAdmin(db, { method: req.method, url: req.url, headers: req.headers, rawBody: req.rawBody }, now(), action, { orgId: null, target: null, ...note }, (who, sql, n) => {
      if (takes !== 'query') noQuerySchema.parse(req.query);
      if (takes !== 'body' && (req.rawBody?.length ?? 0) > 0) throw new LatchkeyError('invalid_input', 'This request takes no body.');
      return route(who, sql, n);
    });
  // Params are only parsed inside the authenticated route (an unsigned caller learns
  // nothing), but the action log wants them: the raw strings go there, bounded.
  const raw = (req: FastifyRequest, k: string): string | null => {
    const v = (req.params as Record<string, unknown>)[k];
    return typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v) ? v : null;
  };

  app.get(ADMIN_ROUTES.whoami, async (req) => whoamiResponseSchema.parse(await run(req, 'whoami', {}, async (who) => ({ adminId: who.adminId, name: who.name }))));

  app.post(ADMIN_ROUTES.orgs, async (req) =>
    createOrgResponseSchema.parse(
      await run(
        req,
        'create_org',
        {},
        async (_who, sql, note) => {
          const out = await createOrgIn(sql, createOrgRequestSchema.parse(readJsonBody(req)).name);
          note.orgId = out.orgId;
          return out;
        },
        'body',
      ),
    ),
  );
  app.get(ADMIN_ROUTES.orgs, async (req) => orgListSchema.parse({ orgs: await run(req, 'list_orgs', {}, (_w, sql) => listOrgsIn(sql)) }));

  app.post(ADMIN_ROUTES.people(':org'), async (req) =>
    createPersonResponseSchema.parse(
      await run(
        req,
        'create_person',
        { orgId: raw(req, 'org') },
        async (_w, sql, note) => {
          const { org } = orgParamsSchema.parse(req.params);
          const out = await createUserIn(sql, org, createPersonRequestSchema.parse(readJsonBody(req)).name);
          note.target = out.userId;
          return out;
        },
        'body',
      ),
    ),
  );
  app.get(ADMIN_ROUTES.people(':org'), async (req) =>
    personListSchema.parse({ people: await run(req, 'list_people', { orgId: raw(req, 'org') }, (_w, sql) => listUsersIn(sql, orgParamsSchema.parse(req.params).org)) }),
  );
  app.post(ADMIN_ROUTES.revokePerson(':org', ':user'), async (req) =>
    revokedResponseSchema.parse(
      await run(req, 'revoke_person', { orgId: raw(req, 'org'), target: raw(req, 'user') }, async (_w, sql) => {
        const { org, user } = personParamsSchema.parse(req.params);
        await revokeUserIn(sql, org, user);
        return { revoked: true };
      }),
    ),
  );

  app.get(ADMIN_ROUTES.devices(':org'), async (req) =>
    deviceListSchema.parse({ devices: await run(req, 'list_devices', { orgId: raw(req, 'org') }, (_w, sql) => listDevicesIn(sql, orgParamsSchema.parse(req.params).org)) }),
  );
  app.post(ADMIN_ROUTES.revokeDevice(':org', ':device'), async (req) =>
    revokedResponseSchema.parse(
      await run(req, 'revoke_device', { orgId: raw(req, 'org'), target: raw(req, 'device') }, async (_w, sql) => {
        const { org, device } = deviceParamsSchema.parse(req.params);
        await revokeDeviceIn(sql, org, device);
        return { revoked: true };
      }),
    ),
  );

  app.post(ADMIN_ROUTES.enrolCodes(':org'), async (req) => {
    const out = await run(
      req,
      'issue_enrol_code',
      { orgId: raw(req, 'org') },
      async (_w, sql, note) => {
        const { org } = orgParamsSchema.parse(req.params);
        const body = issueEnrolCodeRequestSchema.parse(readJsonBody(req));
        note.target = body.userId;
        return issueEnrolCodeIn(sql, org, body.userId, (body.ttlHours ?? 24) * 3600_000);
      },
      'body',
    );
    return issueEnrolCodeResponseSchema.parse({ code: out.code, expiresAt: out.expiresAt.toISOString() });
  });

  app.get(ADMIN_ROUTES.audit(':org'), async (req, reply) => {
    const plan = await run(
      req,
      'export_audit',
      { orgId: raw(req, 'org') },
      async (_w, sql, note) => {
        const { org } = orgParamsSchema.parse(req.params);
        const plan = await planAuditExport(sql, org, auditExportQuerySchema.parse(req.query));
        // The filters used and the log size exported from, so the log says what was exported (ids and times only).
        note.target = JSON.stringify({ ...plan.query, logSize: plan.size });
        return plan;
      },
      'query',
    );
    // Streamed after the admin transaction committed; a failure mid-way cuts the response, which the client reports.
    return reply
      .type(plan.query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .send(Readable.from(auditExportChunks(db, plan), EXPORT_STREAM));
  });
  app.get(ADMIN_ROUTES.auditKeys(':org'), async (req) =>
    auditKeysResponseSchema.parse(
      await run(req, 'export_audit', { orgId: raw(req, 'org'), target: 'keys' }, async (_w, sql) => {
        const devices = await listDevicesKeysIn(sql, orgParamsSchema.parse(req.params).org);
        return { devices, server: [Buffer.from(key.publicKey).toString('hex')] };
      }),
    ),
  );
  app.get(ADMIN_ROUTES.auditCheckpoints(':org'), async (req) => {
    const org = await run(req, 'export_audit', { orgId: raw(req, 'org'), target: 'checkpoints' }, async () => orgParamsSchema.parse(req.params).org);
    // After the admin transaction: checkpoints are read in their own (PGlite has one connection).
    return auditCheckpointsResponseSchema.parse({ checkpoints: await listCheckpoints(db, org) });
  });

  app.get(ADMIN_ROUTES.admins, async (req) => adminListSchema.parse({ admins: await run(req, 'list_admins', {}, (_w, sql) => listAdminsIn(sql)) }));
  app.post(ADMIN_ROUTES.admins, async (req) =>
    addAdminResponseSchema.parse(
      await run(
        req,
        'add_admin',
        {},
        async (_w, sql, note) => {
          const body = addAdminRequestSchema.parse(readJsonBody(req));
          const out = await addAdminIn(sql, body.name, body.publicKey);
          note.target = out.adminId;
          return out;
        },
        'body',
      ),
    ),
  );
  app.post(ADMIN_ROUTES.revokeAdmin(':admin'), async (req) =>
    revokedResponseSchema.parse(
      await run(req, 'revoke_admin', { target: raw(req, 'admin') }, async (_w, sql) => {
        await revokeAdminIn(sql, adminParamsSchema.parse(req.params).admin);
        return { revoked: true };
      }),
    ),
  );

  app.get(ADMIN_ROUTES.actions, async (req) =>
    actionListSchema.parse({
      actions: await run(
        req,
        'list_actions',
        {},
        (_w, sql) => {
          const q = actionsQuerySchema.parse(req.query);
          return listAdminActions(sql, { limit: q.limit ?? 100, ...(q.before !== undefined ? { before: q.before } : {}) });
        },
        'query',
      ),
    }),
  );
}

async function listDevicesKeysIn(sql: SqlClient, orgId: string): Promise<Record<string, string>> {
  await listDevicesIn(sql, orgId); // scopes the transaction to the org; refuses an unknown one
  const keys = await sql.query<{ id: string; public_key: string }>('SELECT id, public_key FROM devices WHERE org_id = $1 ORDER BY id', [orgId]);
  return Object.fromEntries(keys.map((k) => [k.id, k.public_key]));
}
