/**
 * Request bodies are read as raw bytes for every content type and parsed only when a
 * route asks: signed routes ask after authentication (docs/sync-protocol.md §2), so an
 * unsigned or badly signed caller gets the same 401 whatever it sends — no JSON,
 * content-type or schema error tells it anything. Parsing is strict (UTF-8 that
 * decodes, JSON without repeated member names: src/shared/encoding/strict-json.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LatchkeyError } from '../../shared/errors';
import { tryParseStrictJson } from '../../shared/encoding/strict-json';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

/** Keeps the raw body (the request signature covers these exact bytes) and parses nothing. */
export function keepRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    req.rawBody = body as Buffer;
    done(null, undefined);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as strict JSON (undefined when there is none); `invalid_input` otherwise. */
export function readJsonBody(req: FastifyRequest): unknown {
  const raw = req.rawBody;
  if (!raw || raw.length === 0) return undefined;
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (type !== 'application/json') throw new LatchkeyError('invalid_input', 'Send the body as application/json.');
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new LatchkeyError('invalid_input', 'The request body is not valid UTF-8.');
  }
  const parsed = tryParseStrictJson(text);
  if (!parsed.ok) throw new LatchkeyError('invalid_input', `The request body is not valid: ${parsed.message}`);
  return parsed.value;
}
