/**
 * Maps thrown errors to HTTP responses `{ error: { code, message, details? } }`.
 * Only LatchkeyError messages (written for people, free of secrets) are sent; anything
 * else becomes a generic `internal` so a driver error cannot quote another tenant's
 * data or a request's body.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { LatchkeyError, type ErrorCode } from '../../shared/errors';

const STATUS: Partial<Record<ErrorCode, number>> = {
  invalid_input: 400,
  unauthorized: 401,
  stale_request: 401,
  replayed_request: 401,
  device_revoked: 403,
  access_disabled: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rollback_detected: 409,
  fork_detected: 409,
  audit_rejected: 422,
  rate_limited: 429,
  upstream_failed: 502,
  internal: 500,
};

export function statusFor(code: ErrorCode): number {
  return STATUS[code] ?? 400;
}

function fastifyCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? (err as { code: string }).code : undefined;
}

export function toLatchkeyError(err: unknown): LatchkeyError {
  if (err instanceof LatchkeyError) return err;
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    const where = issue?.path.join('.') || 'body';
    return new LatchkeyError('invalid_input', `The request is not valid: ${where}: ${issue?.message ?? 'invalid'}.`);
  }
  const code = fastifyCode(err);
  const status = (err as Partial<FastifyError>)?.statusCode;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new LatchkeyError('invalid_input', 'The request body is too large.');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new LatchkeyError('invalid_input', 'Send the body as application/json.');
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_JSON_BODY') return new LatchkeyError('invalid_input', 'The request body is not valid JSON.');
  if (status === 429) return new LatchkeyError('rate_limited', 'Too many requests; wait a minute and retry.');
  if (status === 404) return new LatchkeyError('not_found', 'No such route.');
  if (typeof status === 'number' && status >= 400 && status < 500) return new LatchkeyError('invalid_input', 'The request is not valid.');
  return new LatchkeyError('internal', 'The server could not complete the request.');
}

export function sendError(reply: FastifyReply, err: LatchkeyError): FastifyReply {
  return reply.status(statusFor(err.code)).send({ error: err.toJSON() });
}

export function errorHandler(err: unknown, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = toLatchkeyError(err);
  if (e.code === 'internal') process.stderr.write(`latchkey-server: internal error (${err instanceof Error ? err.name : typeof err})\n`);
  return sendError(reply, e);
}
