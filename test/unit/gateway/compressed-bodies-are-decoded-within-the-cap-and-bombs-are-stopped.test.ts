/**
 * Content-Encoding is undone before scrubbing (src/main/gateway/tools/decode-body.ts),
 * and never at any cost: output stops at the response cap, a body that expands more
 * than MAX_RATIO:1 is stopped early, a cut stream decodes as far as it goes, and what
 * cannot be decoded (unknown coding, damaged data, too many layers) is withheld rather
 * than returned unchecked.
 */
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeContentEncoding, MAX_RATIO } from '../../../src/main/gateway/tools/decode-body';

const CAP = 256 * 1024;
const text = Buffer.from(Array.from({ length: 4000 }, (_, i) => `{"id":${i},"name":"record ${i}"}`).join(','));

describe('decoding a response body', () => {
  it.each([
    ['gzip', zlib.gzipSync(text)],
    ['x-gzip', zlib.gzipSync(text)],
    ['deflate', zlib.deflateSync(text)],
    ['deflate', zlib.deflateRawSync(text)],
    ['br', zlib.brotliCompressSync(text)],
    ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(text))],
    ['identity', text],
  ])('%s is decoded to the original bytes', async (enc, body) => {
    const r = await decodeContentEncoding(body, enc, CAP, false);
    expect(r.body?.equals(text)).toBe(true);
    expect(r.truncated).toBe(false);
  });

  it('a gzip bomb stops at the cap, or earlier at the ratio limit, without decoding it all', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const r = await decodeContentEncoding(bomb, 'gzip', CAP, false);
    expect(r.truncated).toBe(true);
    expect(r.body!.length).toBeLessThanOrEqual(CAP);
    expect(r.note).toContain(`${MAX_RATIO}:1`);
  });

  it('output beyond the cap is cut and marked truncated', async () => {
    const big = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `line ${i} ${(i * 7919) % 10007}\n`).join(''));
    const r = await decodeContentEncoding(zlib.gzipSync(big), 'gzip', CAP, false);
    expect(r.body!.length).toBe(CAP);
    expect(r.body!.equals(big.subarray(0, CAP))).toBe(true);
    expect(r.truncated).toBe(true);
  });

  it('a compressed body cut by the cap decodes as far as it goes', async () => {
    const z = zlib.gzipSync(text);
    const r = await decodeContentEncoding(z.subarray(0, Math.floor(z.length / 2)), 'gzip', CAP, true);
    expect(r.body!.length).toBeGreaterThan(0);
    expect(text.subarray(0, r.body!.length).equals(r.body!)).toBe(true);
    expect(r.truncated).toBe(true);
  });

  it.each([
    ['zstd', text, /cannot decode/],
    ['compress', text, /cannot decode/],
    ['gzip', Buffer.from('not gzip at all, but it says so'), /could not be decoded/],
    ['gzip, gzip, gzip, gzip', zlib.gzipSync(zlib.gzipSync(zlib.gzipSync(zlib.gzipSync(text)))), /at most 3 layers/],
  ])('%s that cannot be checked is withheld with a note', async (enc, body, note) => {
    const r = await decodeContentEncoding(body, enc, CAP, false);
    expect(r.body).toBeNull();
    expect(r.note).toMatch(note);
  });
});
