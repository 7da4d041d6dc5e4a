/**
 * The CLI side of the admin API (docs/admin-api.md): reads an admin key file, signs
 * each request (canonicalAdminRequest), sends it, and turns the server's error body
 * into a LatchkeyError with the server's message. Responses are parsed by the shared
 * schemas; the audit export is streamed as it arrives.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromBase64url, toBase64url } from '../core/crypto/bytes';
import { z as zod } from 'zod';
import { LatchkeyError, serializedErrorSchema } from '../shared/errors';
import { tryParseStrictJson } from '../shared/encoding/strict-json';
import { ADMIN_HEADERS, adminKeyFileSchema, canonicalAdminRequest, type AdminKeyFile } from '../shared/contracts/admin';

export interface AdminClient {
  json<S extends zod.ZodType>(method: 'GET' | 'POST', path: string, schema: S, body?: unknown): Promise<zod.infer<S>>;
  text(path: string): Promise<string>;
  /** A GET whose body is read as it arrives (the audit export); a cut-off body throws. */
  stream(path: string): AsyncIterable<Uint8Array>;
}

/** Writes a new admin key file (refuses to overwrite one) and returns its public key. */
export async function writeAdminKeyFile(path: string): Promise<string> {
  const secretKey = ed25519.utils.randomSecretKey();
  const file: AdminKeyFile = { kind: 'latchkey-admin-key', v: 1, publicKey: toBase64url(ed25519.getPublicKey(secretKey)), secretKey: toBase64url(secretKey) };
  try {
    await writeFile(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw new LatchkeyError(
      'conflict',
      (err as NodeJS.ErrnoException).code === 'EEXIST' ? `${path} exists already; choose another file.` : `Cannot write the admin key file ${path}.`,
    );
  } finally {
    secretKey.fill(0);
  }
  return file.publicKey;
}

async function readAdminKeyFile(path: string): Promise<{ publicKey: string; secretKey: Uint8Array }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new LatchkeyError('not_found', `Cannot read the admin key file ${path}.`);
  }
  const parsed = tryParseStrictJson(text);
  const file = parsed.ok ? adminKeyFileSchema.safeParse(parsed.value) : undefined;
  if (!file?.success) throw new LatchkeyError('invalid_input', `${path} is not an admin key file (make one with latchkey server admin-keygen).`);
  const secretKey = fromBase64url(file.data.secretKey);
  if (toBase64url(ed25519.getPublicKey(secretKey)) !== file.data.publicKey) throw new LatchkeyError('invalid_input', `${path}: its public key does not belong to its secret key.`);
  return { publicKey: file.data.publicKey, secretKey };
}

export async function createAdminClient(serverUrl: string, keyFile: string): Promise<AdminClient> {
  let base: URL;
  try {
    base = new URL(serverUrl);
  } catch {
    throw new LatchkeyError('invalid_input', '--server must be a URL like https://latchkey.example.org');
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new LatchkeyError('invalid_input', '--server must be an http(s) URL');
  const key = await readAdminKeyFile(keyFile);
  const origin = base.toString().replace(/\/+$/, '');

  async function request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const bodyText = body === undefined ? '' : JSON.stringify(body);
    const time = Date.now();
    const nonce = randomBytes(18).toString('base64url');
    const bodySha256 = createHash('sha256').update(bodyText).digest('hex');
    const sig = ed25519.sign(new TextEncoder().encode(canonicalAdminRequest({ method, path, bodySha256, time, nonce, adminKey: key.publicKey })), key.secretKey);
    const headers: Record<string, string> = {
      [ADMIN_HEADERS.key]: key.publicKey,
      [ADMIN_HEADERS.time]: String(time),
      [ADMIN_HEADERS.nonce]: nonce,
      [ADMIN_HEADERS.signature]: toBase64url(sig),
    };
    if (bodyText !== '') headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(origin + path, { method, headers, ...(bodyText !== '' ? { body: bodyText } : {}) });
    } catch {
      throw new LatchkeyError('upstream_failed', `Cannot reach the server at ${origin}; check --server and that the server runs.`);
    }
    if (res.status >= 400) throw serverError(res.status, await res.text().catch(() => ''));
    return res;
  }
  async function send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const res = await request(method, path, body);
    try {
      return { status: res.status, text: await res.text() };
    } catch {
      throw cutOff();
    }
  }

  return {
    async json(method, path, schema, body) {
      const { text } = await send(method, path, body);
      const parsed = tryParseStrictJson(text);
      const out = parsed.ok ? schema.safeParse(parsed.value) : undefined;
      if (!out?.success) throw new LatchkeyError('upstream_failed', 'The server sent an answer this CLI does not understand; is --server a Latchkey server of the same version?');
      return out.data;
    },
    async text(path) {
      return (await send('GET', path)).text;
    },
    async *stream(path) {
      const res = await request('GET', path);
      if (!res.body) return;
      const reader = res.body.getReader();
      try {
        for (;;) {
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await reader.read();
          } catch {
            throw cutOff();
          }
          if (next.done) return;
          yield next.value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}

function cutOff(): LatchkeyError {
  return new LatchkeyError('upstream_failed', 'The connection to the server broke before its answer was complete; nothing was written. Try again.');
}

const errorBodySchema = zod.object({ error: serializedErrorSchema });

function serverError(status: number, text: string): LatchkeyError {
  const parsed = tryParseStrictJson(text);
  const e = parsed.ok ? errorBodySchema.safeParse(parsed.value) : undefined;
  if (e?.success) return new LatchkeyError(e.data.error.code, `the server refused: ${e.data.error.message}`);
  return new LatchkeyError('upstream_failed', `The server answered HTTP ${status}.`);
}
