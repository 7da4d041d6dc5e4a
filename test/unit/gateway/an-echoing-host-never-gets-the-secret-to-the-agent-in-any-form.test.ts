/**
 * Issue 10 item 1 through the real gateway: a local echo server reflects the injected
 * credential in every form an independent tester tried (every byte percent-encoded,
 * `\u00XX`, `\xXX`, HTML entities, JSON escaped twice, upper-cased, spaced, dashed,
 * reversed, UTF-16LE, gzip / deflate / br bodies, a secret cut by the response cap) and
 * in combinations (gzip of percent-encoded, base64 of reversed…). None reaches the agent:
 * the body is returned DECODED, with the secret's span redacted where it really is.
 *
 * The server echoes ANOTHER vault secret (one it holds, as an API can hold a user's
 * other keys): the credential injected into the request itself is the echo guard's
 * case, where the whole body is withheld (echo-guard-withholds-a-reflected-credential…).
 */
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

// Quote, slash and backslash: JSON escapes them, so escaping twice changes the text.
const SECRET = 'lk_live_9fQ2"xZ7/pLm3\\NcVb8RtYw4KaE';
const INJECTED = 'injected-token-Qm7Zr2Xw9Lp4Ks8Vn3';
const CAP = 4096;

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
const reverse = (s: string): string => [...s].reverse().join('');
/** The escaped secret without the quotes around it. */
const inner = (escaped: string, s: string): string => escaped.slice(escaped.indexOf(s.slice(0, 3)), escaped.lastIndexOf(s.slice(-3)) + 3);

/** Transforms an echo server can apply, composed by name: `gzip+pct` is gzip of percent-encoded. */
const TEXT: Record<string, (s: string) => string> = {
  raw: (s) => s,
  pctAll: (s) => [...bytes(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  pctLower: (s) => [...bytes(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
  uEscapes: (s) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  xEscapes: (s) => [...s].map((c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
  htmlDec: (s) => [...s].map((c) => `&#${c.charCodeAt(0)};`).join(''),
  htmlHex: (s) => [...s].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join(''),
  htmlNamed: (s) => s.replace(/_/g, '&lowbar;'),
  json2: (s) => inner(JSON.stringify(JSON.stringify(s)), s),
  json3: (s) => inner(JSON.stringify(JSON.stringify(JSON.stringify(s))), s),
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  spaced: (s) => [...s].join(' '),
  dashed: (s) => [...s].join('-'),
  newlines: (s) => s.replace(/(.{4})/g, '$1\n'),
  reversed: reverse,
  utf16le: (s) => Buffer.from(s, 'utf16le').toString('latin1'),
  b64: (s) => bytes(s).toString('base64'),
  b64url: (s) => bytes(`ab${s}`).toString('base64url'),
  hex: (s) => bytes(s).toString('hex'),
  HEX: (s) => bytes(s).toString('hex').toUpperCase(),
  // MIME/PEM: base64 wrapped into lines.
  mime: (s) =>
    bytes(s)
      .toString('base64')
      .replace(/(.{16})/g, '$1\r\n'),
  // Hex dumps: bytes joined by colons or spaces.
  hexColon: (s) => [...bytes(s)].map((b) => b.toString(16).padStart(2, '0')).join(':'),
  hexSpaced: (s) => [...bytes(s)].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' '),
};
/** A UTF-16LE byte-order mark: with it the body is not UTF-8 and comes back as base64. */
const BOM = (s: string): string => `\xff\xfe${s}`;

function applyText(chain: string[], s: string): string {
  return chain.reduceRight((acc, name) => TEXT[name]!(acc), s);
}

function compress(kind: string, b: Buffer): Buffer {
  switch (kind) {
    case 'gzip':
      return zlib.gzipSync(b);
    case 'deflate':
      return zlib.deflateSync(b);
    case 'deflate-raw':
      return zlib.deflateRawSync(b);
    case 'br':
      return zlib.brotliCompressSync(b);
    default:
      throw new Error(kind);
  }
}

let api: TestServer;
let h: Harness;
let token: string;

beforeAll(async () => {
  api = await startServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${INJECTED}`) return void res.writeHead(401).end();
    const got = SECRET;
    const u = new URL(req.url ?? '/', 'http://x');
    const chain = (u.searchParams.get('form') ?? 'raw').split('+').filter((f) => f in TEXT);
    const encodings = (u.searchParams.get('enc') ?? '').split(',').filter((e) => e !== '');
    const form = u.searchParams.get('form') === 'none' ? '' : applyText(chain, got);
    const keep = Number(u.searchParams.get('keep') ?? '12');
    const doc = u.pathname === '/cut' ? 'x'.repeat(CAP - keep) + form : `{"echo":"${form}","ok":true}`;
    let body: Buffer = Buffer.from(u.searchParams.has('bom') ? BOM(doc) : doc, 'latin1');
    for (const e of encodings) body = compress(e, body);
    // Raw deflate is sent labelled "deflate", as some servers do.
    const label = encodings.map((e) => (e === 'deflate-raw' ? 'deflate' : e)).join(', ');
    res.writeHead(200, { 'content-type': 'text/plain', ...(encodings.length ? { 'content-encoding': label } : {}) });
    res.end(body);
  });
  h = await startHarness([{ id: itemId(), name: 'Echo', description: 'the echo server', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: INJECTED }], {
    limits: { maxResponseBytes: CAP },
    rateLimit: { perMinute: 10_000, burst: 1_000 },
  });
  h.vault.otherSecrets.push(SECRET);
  token = (await h.pair()).token;
});

afterAll(async () => {
  await h?.close();
  await api?.close();
});

interface Result {
  status: number;
  headers: Record<string, string>;
  bodyEncoding: 'utf8' | 'base64';
  body: string;
  truncated: boolean;
  note?: string;
}

async function echo(path: string): Promise<{ text: string; res: Result; body: string }> {
  const client = await h.connect(token);
  const r = await call(client, 'http_request', { credential: 'Echo', url: `${api.origin}${path}` });
  expect(r.isError, r.text).toBe(false);
  const res = JSON.parse(r.text) as Result;
  const body = res.bodyEncoding === 'base64' ? Buffer.from(res.body, 'base64').toString('latin1') : res.body;
  return { text: r.text, res, body };
}

/** No 8-character piece of the form the server sent survives anywhere the agent can read. */
function expectNoPieceOf(form: string, ...texts: string[]): void {
  for (let i = 0; i + 8 <= form.length; i += 4) {
    const piece = form.slice(i, i + 8);
    for (const t of texts) expect(t.includes(piece), `a piece of the echoed form survived: ${JSON.stringify(piece.slice(0, 3))}…`).toBe(false);
  }
}

describe('an echoing host cannot get the secret to the agent', () => {
  it.each(Object.keys(TEXT))('echoed as %s: redacted in the body', async (form) => {
    const { text, body } = await echo(`/echo?form=${form}`);
    expect(body).toContain('[REDACTED by Latchkey]');
    expect(body).toContain('"ok":true');
    expectNoPieceOf(applyText([form], SECRET), body, text);
    expect(text.includes(SECRET.slice(8, 20))).toBe(false);
  });

  it.each([
    ['gzip', 'raw'],
    ['deflate', 'raw'],
    ['deflate-raw', 'raw'],
    ['br', 'raw'],
    ['gzip', 'pctAll'],
    ['br', 'json2'],
    ['deflate', 'htmlDec'],
    ['gzip', 'b64+reversed'],
    ['gzip,gzip', 'spaced'],
    ['br', 'hex+upper'],
  ])('a %s body echoing it as %s is returned decoded, and redacted', async (enc, form) => {
    const { text, res, body } = await echo(`/echo?form=${form}&enc=${enc}`);
    expect(res.bodyEncoding).toBe('utf8');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.note).toMatch(/decoded from Content-Encoding/i);
    expect(body.startsWith('{"echo":"[REDACTED by Latchkey]')).toBe(true);
    expectNoPieceOf(applyText(form.split('+'), SECRET), body, text);
  });

  it.each(['b64+reversed', 'b64+pctAll', 'b64+upper', 'b64+utf16le', 'b64url+spaced', 'hex+reversed', 'pctAll+b64', 'json2+htmlHex', 'b64+dashed+upper'])(
    'combined forms (%s) are caught',
    async (form) => {
      const { text, body } = await echo(`/echo?form=${form}`);
      expect(body).toContain('[REDACTED by Latchkey]');
      expectNoPieceOf(applyText(form.split('+'), SECRET), body, text);
    },
  );

  it.each(['', '&enc=gzip'])('a binary (UTF-16LE) body%s comes back as valid base64 of the scrubbed bytes', async (enc) => {
    const { res, body, text } = await echo(`/echo?form=utf16le&bom=1${enc}`);
    expect(res.bodyEncoding).toBe('base64');
    expect(Buffer.from(res.body, 'base64').toString('base64')).toBe(res.body);
    expect(body.startsWith('\xff\xfe{"echo":"[REDACTED by Latchkey]')).toBe(true);
    expectNoPieceOf(TEXT.utf16le!(SECRET), body, text);
  });

  it.each([
    ['raw', 12],
    ['b64', 16],
    ['hex', 24],
    ['pctAll', 36],
    ['uEscapes', 60],
  ])('a secret (%s) cut by the response cap loses its prefix too', async (form, keep) => {
    const { res, body, text } = await echo(`/cut?form=${form}&keep=${keep}`);
    expect(res.truncated).toBe(true);
    expect(body.endsWith('[REDACTED by Latchkey]')).toBe(true);
    const prefix = applyText([form], SECRET).slice(0, keep);
    expect(text.includes(prefix)).toBe(false);
  });

  it('a gzip body cut by the cap is decoded as far as it goes, and its secret prefix redacted', async () => {
    const { res, body } = await echo(`/cut?form=raw&enc=gzip`);
    expect(res.bodyEncoding).toBe('utf8');
    expect(body.startsWith('xxxx')).toBe(true);
    expect(body.includes(SECRET.slice(0, 8))).toBe(false);
  });

  it('ordinary words in a response are left alone', async () => {
    const client = await h.connect(token);
    const r = await call(client, 'http_request', { credential: 'Echo', url: `${api.origin}/echo?form=none` });
    const res = JSON.parse(r.text) as Result;
    expect(res.body).toBe('{"echo":"","ok":true}');
  });
});
