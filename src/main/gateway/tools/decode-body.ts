/**
 * Undoes a response's Content-Encoding (gzip, deflate, br; up to three layers) before
 * the body is scrubbed: a compressed body is opaque to the scrubber, and returned as
 * base64 of the compressed bytes it carried any echoed secret straight to the agent.
 * The agent gets the DECODED body (and the encoding headers are dropped with it).
 *
 * Bombs: every layer's output stops at `maxBytes` (the response cap; the body is then
 * `truncated`), and decoding stops as soon as the output exceeds MAX_RATIO times the
 * compressed bytes consumed. A body cut by the cap is decoded as far as it goes (sync
 * flush, no error for the missing end). An encoding we cannot decode, or a body that
 * yields nothing, is withheld: it could not be checked for secrets.
 */
import zlib from 'node:zlib';

/** Output bytes per compressed input byte at most (gzip of JSON is ~10:1; a bomb is 1000:1 and more). */
export const MAX_RATIO = 200;
const MAX_LAYERS = 3;
/** Below this much output the ratio is not checked (a short, very repetitive body is no bomb). */
const RATIO_FLOOR = 64 * 1024;

export interface DecodedBody {
  /** null: withheld (see `note`). */
  readonly body: Buffer | null;
  readonly truncated: boolean;
  /** The codings undone, outermost last as in the header (e.g. "gzip"); null if none. */
  readonly decoded: string | null;
  readonly note: string | null;
}

type Coding = 'gzip' | 'deflate' | 'br';

function codingOf(token: string): Coding | 'identity' | null {
  switch (token) {
    case 'gzip':
    case 'x-gzip':
      return 'gzip';
    case 'deflate':
      return 'deflate';
    case 'br':
      return 'br';
    case 'identity':
    case '':
      return 'identity';
    default:
      return null;
  }
}

export async function decodeContentEncoding(body: Buffer, contentEncoding: string | undefined, maxBytes: number, inputTruncated: boolean): Promise<DecodedBody> {
  if (contentEncoding === undefined) return { body, truncated: inputTruncated, decoded: null, note: null };
  const tokens = contentEncoding
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  const codings: Coding[] = [];
  for (const t of tokens) {
    const c = codingOf(t);
    if (c === null) return withheld(`The body was sent with Content-Encoding "${t.slice(0, 40)}", which Latchkey cannot decode and so cannot check for secrets; it is withheld.`);
    if (c !== 'identity') codings.push(c);
  }
  if (codings.length === 0) return { body, truncated: inputTruncated, decoded: null, note: null };
  if (codings.length > MAX_LAYERS) return withheld(`The body is compressed ${codings.length} times over; Latchkey decodes at most ${MAX_LAYERS} layers, so it is withheld.`);
  let data = body;
  let truncated = inputTruncated;
  const notes: string[] = [];
  // Applied in the order listed, so undone from the last.
  for (let i = codings.length - 1; i >= 0; i--) {
    const r = await inflate(codings[i]!, data, maxBytes, truncated);
    if (r.out.length === 0 && data.length > 0)
      return withheld(`The ${codings[i]} body could not be decoded${r.damaged ? ' (damaged data)' : ''}, so it could not be checked for secrets; it is withheld.`);
    if (r.bomb) notes.push(`Decoding stopped: the ${codings[i]} body expands more than ${MAX_RATIO}:1.`);
    else if (r.damaged) notes.push(`The ${codings[i]} body is damaged; what decoded before the damage is returned.`);
    data = r.out;
    truncated ||= r.truncated || r.bomb || r.damaged;
  }
  return { body: data, truncated, decoded: codings.join(', '), note: notes.length > 0 ? notes.join(' ') : null };
}

function withheld(note: string): DecodedBody {
  return { body: null, truncated: false, decoded: null, note };
}

/** zlib-wrapped deflate (RFC 1950) starts with a CMF/FLG pair divisible by 31; some servers send raw deflate (RFC 1951). */
function isZlibWrapped(b: Buffer): boolean {
  return b.length >= 2 && (b[0]! & 0x0f) === 8 && ((b[0]! << 8) | b[1]!) % 31 === 0;
}

function inflate(coding: Coding, input: Buffer, maxBytes: number, inputCut: boolean): Promise<{ out: Buffer; truncated: boolean; bomb: boolean; damaged: boolean }> {
  const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const z =
    coding === 'br'
      ? zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH })
      : coding === 'gzip'
        ? zlib.createGunzip(flush)
        : isZlibWrapped(input)
          ? zlib.createInflate(flush)
          : zlib.createInflateRaw(flush);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (truncated: boolean, bomb: boolean, damaged: boolean): void => {
      if (done) return;
      done = true;
      z.removeAllListeners('data');
      z.destroy();
      resolve({ out: Buffer.concat(chunks, size), truncated, bomb, damaged });
    };
    z.on('data', (chunk: Buffer) => {
      const room = maxBytes - size;
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room));
        size += room;
        // More may follow: the body is cut at the cap.
        return finish(true, false, false);
      }
      chunks.push(chunk);
      size += chunk.length;
      if (size > RATIO_FLOOR && size > MAX_RATIO * Math.max(1, z.bytesWritten)) finish(true, true, false);
    });
    // A body cut by the cap ends mid-stream: with sync flush that is a clean end, and
    // any error then is the missing trailer, not damage.
    z.on('end', () => finish(inputCut, false, false));
    z.on('error', () => finish(inputCut, false, !inputCut));
    z.end(input);
  });
}
