/**
 * Builds the Fastify app: raw bodies kept and parsed only after authentication (the
 * signature covers the exact body bytes), body-size limit, rate limiting keyed by device (or address before
 * enrolment and for the admin API), one error shape, and the routes. No device route reads a tenant id from
 * anywhere but the authenticated device; admin routes (../admin) take it from the path,
 * for a server-wide admin authenticated by its own key.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { LatchkeyError } from '../../shared/errors';
import { SIGNED_HEADERS } from '../../shared/contracts/sync';
import type { Database } from '../db/db';
import type { ServerKey } from '../keys';
import { withDevice } from './auth';
import type { Authenticator } from './authenticator';
import { errorHandler } from './errors';
import { keepRawBodies, readJsonBody } from './body';
import { registerEnrolRoute } from './enrol';
import { registerSyncRoutes } from '../sync/routes';
import { registerAuditRoutes } from '../audit/routes';
import { registerAdminRoutes } from '../admin/routes';
import { registerOidcRoutes } from '../identity/oidc-routes';
import { registerIdentityAdminRoutes } from '../identity/admin-routes';
import { registerScimRoutes } from '../identity/scim/routes';
import { registerBreakGlassRoutes } from '../admin/break-glass-routes';
import { registerAccountRoutes } from '../account/routes';

export interface AppOptions {
  readonly db: Database;
  readonly key: ServerKey;
  /** Largest accepted body, bytes (default 8 MiB: a 10k-entry manifest is ~0.5 MiB). */
  readonly bodyLimit?: number;
  /** Requests per minute per address and device (default 1200). */
  readonly rateLimitPerMinute?: number;
  /** Unsigned enrolment requests (OIDC start and complete) per minute per address (default 20). */
  readonly enrolRateLimitPerMinute?: number;
  /** Server clock, ms (tests move it to prove stale-request refusal). */
  readonly now?: () => number;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const now = opts.now ?? Date.now;
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit ?? 8 * 1024 * 1024 });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_req, reply) => reply.status(404).send({ error: { code: 'not_found', message: 'No such route.' } }));

  keepRawBodies(app);

  await app.register(rateLimit, {
    max: opts.rateLimitPerMinute ?? 1200,
    timeWindow: '1 minute',
    // Keyed by address AND claimed device: the header is not yet authenticated here, so
    // keying by device alone would let anyone exhaust another device's budget.
    keyGenerator: (req) => {
      const d = req.headers[SIGNED_HEADERS.device];
      return typeof d === 'string' && d.length <= 64 ? `${req.ip}|${d}` : req.ip;
    },
    errorResponseBuilder: () => new LatchkeyError('rate_limited', 'Too many requests; wait a minute and retry.'),
  });

  // The body is parsed inside the authenticated route, never before (see ./body.ts).
  const auth: Authenticator = (req, route) =>
    withDevice(opts.db, { method: req.method, url: req.url, headers: req.headers, rawBody: req.rawBody }, now(), (who, sql) => {
      req.body = readJsonBody(req);
      return route(who, sql);
    });

  registerEnrolRoute(app, opts.db, opts.key.publicKey);
  registerSyncRoutes(app, auth);
  registerAuditRoutes(app, auth, opts.key);
  registerAccountRoutes(app, auth, now);
  registerAdminRoutes(app, opts.db, opts.key, now);
  registerOidcRoutes(app, opts.db, opts.key.publicKey, now, opts.enrolRateLimitPerMinute ?? 20);
  registerIdentityAdminRoutes(app, opts.db, now);
  registerScimRoutes(app, opts.db);
  registerBreakGlassRoutes(app, opts.db, now);
  app.get('/v1/health', async () => ({ ok: true }));
  return app;
}
