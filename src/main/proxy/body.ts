/**
 * Body swaps (docs/gateway.md §10a "Body swaps"): for a credential whose item sets
 * `swapInBody`, the proxy reads a request body of a textual type (at most
 * MAX_SWAP_BODY_BYTES) and replaces its placeholder by the secret, written as that type
 * needs it (JSON string escapes, form percent-encoding, XML character references), so the
 * secret cannot change the body's structure. Other bodies pass as they are.
 */
import type http from 'node:http';

/** Bodies larger than this are refused (413) when a body swap applies: a swap is never silently skipped. */
export const MAX_SWAP_BODY_BYTES = 1024 * 1024;

export type BodyForm = 'json' | 'form' | 'xml' | 'text';

/** The form a swapped secret takes in this content type, or null when the body is not searched. */
export function bodyForm(contentType: string | undefined, contentEncoding: string | undefined): BodyForm | null {
  if ((contentEncoding ?? 'identity').trim().toLowerCase() !== 'identity') return null;
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(media)) return 'json';
  if (media === 'application/x-www-form-urlencoded') return 'form';
  if (media === 'application/xml' || media === 'text/xml' || /^application\/[a-z0-9.+-]+\+xml$/.test(media)) return 'xml';
  if (/^text\/[a-z0-9.+-]+$/.test(media)) return 'text';
  return null;
}

/** The secret as it must appear inside a body of this form. */
export function encodeForBody(secret: string, form: BodyForm): string {
  switch (form) {
    case 'json':
      return JSON.stringify(secret).slice(1, -1);
    case 'form':
      return encodeURIComponent(secret);
    case 'xml':
      return secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
    case 'text':
      return secret;
  }
}

export type ReadBody = { ok: true; body: Buffer } | { ok: false; reason: 'too_large' | 'aborted' };

/** The whole request body, de-chunked by Node's parser, or a refusal once it passes `max` bytes. */
export function readBody(req: http.IncomingMessage, max = MAX_SWAP_BODY_BYTES): Promise<ReadBody> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    return Promise.resolve({ ok: false, reason: 'too_large' });
  }
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: ReadBody): void => {
      if (done) return;
      done = true;
      resolve(r);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        // Stop holding it; the rest is read and dropped so the 413 can be written.
        parts.length = 0;
        finish({ ok: false, reason: 'too_large' });
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => finish({ ok: true, body: Buffer.concat(parts) }));
    req.on('aborted', () => finish({ ok: false, reason: 'aborted' }));
    req.on('error', () => finish({ ok: false, reason: 'aborted' }));
  });
}

/** `body` with every `from` replaced by `to` (bytes), and whether anything was. */
export function replaceInBody(body: Buffer, from: string, to: string): { body: Buffer; found: boolean } {
  const needle = Buffer.from(from, 'utf8');
  if (needle.length === 0 || body.indexOf(needle) < 0) return { body, found: false };
  const with_ = Buffer.from(to, 'utf8');
  const parts: Buffer[] = [];
  let at = 0;
  for (let i = body.indexOf(needle); i >= 0; i = body.indexOf(needle, at)) {
    parts.push(body.subarray(at, i), with_);
    at = i + needle.length;
  }
  parts.push(body.subarray(at));
  return { body: Buffer.concat(parts), found: true };
}
