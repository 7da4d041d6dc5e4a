/**
 * A table of signed admin routes registered one way (docs/admin-api.md §1): each is
 * authenticated by withAdmin (signature, time, nonce, its admin_actions row, refused
 * requests too) before anything of the request is read, takes only what it declares
 * (a JSON body, query parameters, or nothing: anything else is refused) and answers
 * through its response schema, so a route cannot leak a field it did not declare.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import type { AdminAction } from '../../shared/contracts/admin';
import type { Database, SqlClient } from '../db/db';
import { withAdmin, type ActionNote, type AdminContext } from './auth';

export interface SignedRouteContext {
  readonly req: FastifyRequest;
  readonly who: AdminContext;
  readonly sql: SqlClient;
  /** The action row's org and target: preset from the :org and :user params, a route may name what it made. */
  readonly note: ActionNote;
}

export interface SignedAdminRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly action: AdminAction;
  /** What the request may carry besides its signed headers (default nothing). */
  readonly takes?: 'nothing' | 'body' | 'query';
  readonly response: z.ZodType;
  readonly handle: (c: SignedRouteContext) => Promise<unknown>;
}

const noQuerySchema = z.strictObject({});

// Only for the action row, before the params are parsed: a malformed id is logged as none.
const rawId = (v: unknown): string | null => (typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v) ? v : null);

export function registerSignedAdminRoutes(app: FastifyInstance, db: Database, now: () => number, routes: readonly SignedAdminRoute[]): void {
  for (const r of routes) {
    const takes = r.takes ?? 'nothing';
    app.route({
      method: r.method,
      url: r.path,
      handler: async (req) => {
        const p = req.params as Record<string, unknown>;
        const out = await withAdmin(
          db,
          { method: req.method, url: req.url, headers: req.headers, rawBody: req.rawBody },
          now(),
          r.action,
          { orgId: rawId(p.org), target: rawId(p.user) },
          async (who, sql, note) => {
            if (takes !== 'query') noQuerySchema.parse(req.query);
            if (takes !== 'body' && (req.rawBody?.length ?? 0) > 0) throw new LatchkeyError('invalid_input', 'This request takes no body.');
            return r.handle({ req, who, sql, note });
          },
        );
        return r.response.parse(out);
      },
    });
  }
}
