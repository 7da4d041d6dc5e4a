/**
 * SCIM error responses (RFC 7644 §3.12): `{schemas: [Error URN], status: "400",
 * scimType?, detail}` as application/scim+json. Only these messages (written for an
 * IdP's operator, never quoting a token or another tenant's data) leave the server.
 */
import type { FastifyReply } from 'fastify';
import { ZodError } from 'zod';
import { LatchkeyError } from '../../../shared/errors';

export const SCIM_ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers';

export class ScimError extends Error {
  override readonly name = 'ScimError';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string, scimType: ScimType = 'invalidValue'): ScimError => new ScimError(400, detail, scimType);

export function toScimError(err: unknown): ScimError {
  if (err instanceof ScimError) return err;
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    const where = issue?.path.join('.') || 'body';
    return badRequest(`The request is not valid: ${where}: ${issue?.message ?? 'invalid'}.`);
  }
  if (err instanceof LatchkeyError) {
    const status = err.code === 'invalid_input' ? 400 : err.code === 'rate_limited' ? 429 : err.code === 'not_found' ? 404 : 500;
    return new ScimError(status, status === 500 ? 'The server could not complete the request.' : err.message, status === 400 ? 'invalidSyntax' : undefined);
  }
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  // Two writers raced for one userName; the unique index kept one (PostgreSQL unique_violation).
  if (code === '23505') return new ScimError(409, 'A user with this userName already exists in this organisation.', 'uniqueness');
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ScimError(413, 'The request body is too large.');
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (status === 429) return new ScimError(429, 'Too many requests; wait a minute and retry.');
  return new ScimError(500, 'The server could not complete the request.');
}

export function sendScimError(reply: FastifyReply, err: unknown): FastifyReply {
  const e = toScimError(err);
  if (e.status === 500) process.stderr.write(`latchkey-server: scim internal error (${err instanceof Error ? err.name : typeof err})\n`);
  if (e.status === 401) void reply.header('www-authenticate', 'Bearer realm="latchkey-scim"');
  const body = { schemas: [SCIM_ERROR_URN], status: String(e.status), ...(e.scimType ? { scimType: e.scimType } : {}), detail: e.detail };
  return reply.status(e.status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(body));
}
