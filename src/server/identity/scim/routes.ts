/**
 * SCIM 2.0 Users endpoint (RFC 7643/7644) under /scim/v2 (docs/identity.md §4): the
 * org's IdP creates, reads, finds (filter userName eq …), replaces, patches and
 * deletes people. Authenticated by the org's own bearer token (./token.ts), never by a
 * device or admin key; every query runs under that org's RLS scope, so another org's
 * user id is simply not there (404). Errors are SCIM error bodies (./errors.ts).
 * Deactivation (active=false, DELETE) refuses every device of the person from its
 * next request (src/server/http/auth.ts, 'access_disabled').
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { tryParseStrictJson } from '../../../shared/encoding/strict-json';
import type { Database, SqlClient } from '../../db/db';
import { ScimError, SCIM_CONTENT_TYPE, badRequest, sendScimError } from './errors';
import { parseFilter } from './filter';
import { applyPatch } from './patch';
import { LIST_SCHEMA, etagOf, parseUserBody, toResource, type StoredUser } from './resource';
import { createUser, deleteUser, getUser, listUsers, replaceUser } from './store';
import { authenticateScim } from './token';
import { SERVICE_PROVIDER_CONFIG } from './service-provider';

export const SCIM_PREFIX = '/scim/v2';
const MAX_COUNT = 500;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const listQuerySchema = z.strictObject({
  filter: z.string().max(1024).optional(),
  startIndex: z.coerce.number().int().min(1).max(1_000_000_000).optional(),
  count: z.coerce.number().int().min(0).optional(),
  // Accepted, not applied: the full resource is always returned (docs/identity.md §4.3).
  attributes: z.string().max(1024).optional(),
  excludedAttributes: z.string().max(1024).optional(),
});

function readScimBody(req: FastifyRequest): unknown {
  const raw = req.rawBody;
  if (!raw || raw.length === 0) throw badRequest('This request needs a JSON body.', 'invalidSyntax');
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (type !== 'application/scim+json' && type !== 'application/json') throw badRequest('Send the body as application/scim+json.', 'invalidSyntax');
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw badRequest('The request body is not valid UTF-8.', 'invalidSyntax');
  }
  const parsed = tryParseStrictJson(text);
  if (!parsed.ok) throw badRequest(`The request body is not valid JSON: ${parsed.message}`, 'invalidSyntax');
  return parsed.value;
}

function baseUrl(req: FastifyRequest): string {
  const host = typeof req.headers.host === 'string' && /^[A-Za-z0-9.:[\]-]{1,300}$/.test(req.headers.host) ? req.headers.host : 'localhost';
  return `${req.protocol}://${host}`;
}

const notFound = (): ScimError => new ScimError(404, 'No such user in this organisation.');

function userId(req: FastifyRequest): string {
  const id = (req.params as { id?: unknown }).id;
  if (typeof id !== 'string' || !UUID.test(id)) throw notFound();
  return id;
}

/** RFC 7644 §3.14: a write with If-Match applies only to the version it names. */
function checkIfMatch(req: FastifyRequest, u: StoredUser): void {
  const m = req.headers['if-match'];
  if (m === undefined || m === '*') return;
  const wanted = String(m)
    .split(',')
    .map((s) => s.trim());
  if (!wanted.includes(etagOf(u.version)) && !wanted.includes(`"${u.version}"`)) throw new ScimError(412, 'The user was changed since that version; read it again.');
}

function sendUser(reply: FastifyReply, req: FastifyRequest, u: StoredUser, status = 200): FastifyReply {
  const resource = toResource(u, baseUrl(req));
  void reply.header('etag', etagOf(u.version));
  if (status === 201) void reply.header('location', (resource.meta as { location: string }).location);
  return reply.status(status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(resource));
}

export function registerScimRoutes(app: FastifyInstance, db: Database): void {
  void app.register(
    async (scim) => {
      scim.setErrorHandler((err, _req, reply) => sendScimError(reply, err));
      scim.setNotFoundHandler((_req, reply) => sendScimError(reply, new ScimError(404, 'No such SCIM endpoint on this server (Users and ServiceProviderConfig are served).')));

      /** Authenticates, then runs `fn` in the token's org's tenant transaction. */
      const asOrg = async <T>(req: FastifyRequest, fn: (sql: SqlClient, orgId: string) => Promise<T>): Promise<T> => {
        const orgId = await authenticateScim(db, req.headers.authorization);
        return db.asTenant(orgId, (sql) => fn(sql, orgId));
      };
      const noBody = (req: FastifyRequest): void => {
        if ((req.rawBody?.length ?? 0) > 0) throw badRequest('This request takes no body.', 'invalidSyntax');
      };

      scim.get('/ServiceProviderConfig', async (req, reply) => {
        await authenticateScim(db, req.headers.authorization);
        return reply.type(SCIM_CONTENT_TYPE).send(JSON.stringify(SERVICE_PROVIDER_CONFIG));
      });

      scim.get('/Users', async (req, reply) => {
        const orgId = await authenticateScim(db, req.headers.authorization);
        noBody(req);
        const q = listQuerySchema.safeParse(req.query);
        if (!q.success) throw badRequest(`The query is not valid: ${q.error.issues[0]?.path.join('.') || 'query'}: ${q.error.issues[0]?.message ?? 'invalid'}.`, 'invalidValue');
        const filter = q.data.filter === undefined ? null : parseFilter(q.data.filter);
        const startIndex = q.data.startIndex ?? 1;
        // RFC 7644 §3.4.2.4: a count over the maximum is lowered to it, not refused.
        const count = Math.min(q.data.count ?? 100, MAX_COUNT);
        const { total, users } = await db.asTenant(orgId, (sql) => listUsers(sql, orgId, filter, startIndex, count));
        const base = baseUrl(req);
        const body = { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: users.length, Resources: users.map((u) => toResource(u, base)) };
        return reply.type(SCIM_CONTENT_TYPE).send(JSON.stringify(body));
      });

      scim.post('/Users', async (req, reply) => {
        const u = await asOrg(req, (sql, orgId) => createUser(sql, orgId, parseUserBody(readScimBody(req))));
        return sendUser(reply, req, u, 201);
      });

      scim.get('/Users/:id', async (req, reply) => {
        const u = await asOrg(req, async (sql, orgId) => {
          noBody(req);
          const current = await getUser(sql, orgId, userId(req));
          if (!current) throw notFound();
          return current;
        });
        return sendUser(reply, req, u);
      });

      scim.put('/Users/:id', async (req, reply) => {
        const u = await asOrg(req, async (sql, orgId) => {
          const current = await getUser(sql, orgId, userId(req));
          if (!current) throw notFound();
          checkIfMatch(req, current);
          return replaceUser(sql, orgId, current, parseUserBody(readScimBody(req)));
        });
        return sendUser(reply, req, u);
      });

      scim.patch('/Users/:id', async (req, reply) => {
        const u = await asOrg(req, async (sql, orgId) => {
          const current = await getUser(sql, orgId, userId(req));
          if (!current) throw notFound();
          checkIfMatch(req, current);
          return replaceUser(sql, orgId, current, applyPatch(current, readScimBody(req)));
        });
        return sendUser(reply, req, u);
      });

      scim.delete('/Users/:id', async (req, reply) => {
        await asOrg(req, async (sql, orgId) => {
          noBody(req);
          const current = await getUser(sql, orgId, userId(req));
          if (!current) throw notFound();
          checkIfMatch(req, current);
          await deleteUser(sql, orgId, current.id);
        });
        return reply.status(204).send();
      });
    },
    { prefix: SCIM_PREFIX },
  );
}
