/**
 * The seam between the app and its route files: app.ts builds one Authenticator and
 * hands it to each route registrar. Its own file so the routes need not import the
 * app that imports them.
 */
import type { FastifyRequest } from 'fastify';
import type { SqlClient } from '../db/db';
import type { AuthContext } from './auth';

/** Runs a route body as the authenticated device, inside its tenant transaction. */
export type Authenticator = <T>(req: FastifyRequest, route: (who: AuthContext, sql: SqlClient) => Promise<T>) => Promise<T>;
