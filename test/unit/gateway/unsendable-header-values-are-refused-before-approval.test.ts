/**
 * A header Node's http would refuse to send (a character beyond Latin-1, CR/LF, a
 * control character, a name that is not a token) is refused by the tool's schema: the
 * person is never asked and no secret is fetched. The schema's rule is Node's own,
 * compared over every BMP code point
 * and a sample of the rest.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequestArgs, HEADER_NAME_PATTERN, HEADER_VALUE_PATTERN } from '../../../src/main/gateway/tools/schemas';
import { call, errorCode, itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

let api: TestServer;
let h: Harness;
let token: string;

beforeAll(async () => {
  api = await startServer((_req, res) => res.end('ok'));
  h = await startHarness([{ id: itemId(), name: 'svc', description: '', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: 'hdr-secret-0123456789abc' }]);
  token = (await h.pair('Agent')).token;
});
afterAll(async () => {
  await h?.close();
  await api?.close();
});

function nodeAccepts(check: () => void): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

describe('header values Node cannot send', () => {
  it.each([
    ['a character beyond Latin-1', { 'X-Note': 'caf\u00e9 \u2603' }],
    ['an emoji (a surrogate pair)', { 'X-Note': 'ok \u{1F600}' }],
    ['a line break (header injection)', { 'X-Note': 'a\r\nX-Injected: 1' }],
    ['a bare LF', { 'X-Note': 'a\nb' }],
    ['a NUL', { 'X-Note': 'a\u0000b' }],
    ['DEL', { 'X-Note': 'a\u007fb' }],
    ['a name with a space', { 'X Note': 'v' }],
    ['a name beyond ASCII', { 'X-N\u00f6te': 'v' }],
  ])('%s: refused as invalid_input, no prompt, no secret fetched, nothing sent', async (_label, headers) => {
    const before = { prompts: h.prompts.length, uses: h.vault.useCount, sent: api.requests.length };
    const r = await call(await h.connect(token), 'http_request', { credential: 'svc', url: `${api.origin}/x`, headers });
    expect(r.isError).toBe(true);
    expect(errorCode(r.text)).toBe('invalid_input');
    expect(r.text).toMatch(/headers\./);
    expect({ prompts: h.prompts.length, uses: h.vault.useCount, sent: api.requests.length }).toEqual(before);
  });

  it('the message tells the agent what to do, in words', async () => {
    const r = await call(await h.connect(token), 'http_request', { credential: 'svc', url: `${api.origin}/x`, headers: { 'X-Note': '\u2603' } });
    expect(r.text).toContain('only Latin-1 text');
  });

  it('a Latin-1 value (é as U+00E9, tab, spaces) is still sent after approval', async () => {
    const before = h.vault.useCount;
    const r = await call(await h.connect(token), 'http_request', { credential: 'svc', url: `${api.origin}/ok`, headers: { 'X-Note': 'caf\u00e9\tau lait' } });
    expect(r.isError).toBe(false);
    expect(h.vault.useCount).toBe(before + 1);
    expect(api.requests.at(-1)!.headers['x-note']).toBe(Buffer.from('caf\u00e9\tau lait', 'latin1').toString('latin1'));
  });
});

describe("the schema's rule is Node's rule", () => {
  it('every BMP code point and every 4096th astral one: the value pattern accepts exactly what http.validateHeaderValue accepts', () => {
    const disagree: number[] = [];
    const points = [...Array.from({ length: 0x10000 }, (_, i) => i), ...Array.from({ length: 256 }, (_, i) => 0x10000 + i * 4096 + (i % 7))];
    for (const cp of points) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const v = `a${String.fromCodePoint(cp)}b`;
      if (HEADER_VALUE_PATTERN.test(v) !== nodeAccepts(() => http.validateHeaderValue('x-a', v))) disagree.push(cp);
    }
    expect(disagree).toEqual([]);
  });

  it('every code point up to U+00FF and a sample above: the name pattern accepts exactly what http.validateHeaderName accepts', () => {
    const disagree: number[] = [];
    for (const cp of [...Array.from({ length: 0x100 }, (_, i) => i), 0x100, 0x2603, 0x1f600]) {
      const n = `x${String.fromCodePoint(cp)}`;
      if (HEADER_NAME_PATTERN.test(n) !== nodeAccepts(() => http.validateHeaderName(n))) disagree.push(cp);
    }
    expect(disagree).toEqual([]);
  });

  it('the JSON Schema agents see carries the same patterns', () => {
    expect(httpRequestArgs.safeParse({ credential: 'c', url: 'https://a.example', headers: { a: '\u0100' } }).success).toBe(false);
    expect(httpRequestArgs.safeParse({ credential: 'c', url: 'https://a.example', headers: { a: '\u00ff' } }).success).toBe(true);
  });
});
