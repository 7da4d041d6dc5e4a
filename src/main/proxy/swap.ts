/**
 * Placeholder ↔ secret in one request head and in a response stream. The head is
 * searched as sent (URL and every header value) and inside `Basic` credentials
 * (base64 of user:password — how git and many SDKs send a token).
 */
import { Transform, type TransformCallback } from 'node:stream';

export interface SwapPair {
  readonly placeholder: string;
  readonly secret: string;
}

function replaceAllText(s: string, from: string, to: string): string {
  return s.split(from).join(to);
}

/** The header value with `from` replaced by `to`, looking inside Basic credentials too. */
export function swapHeaderValue(name: string, value: string, from: string, to: string): string {
  let out = replaceAllText(value, from, to);
  if (name === 'authorization') {
    const m = /^(Basic\s+)([A-Za-z0-9+/=]+)$/i.exec(out);
    if (m) {
      const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
      if (decoded.includes(from)) out = m[1]! + Buffer.from(replaceAllText(decoded, from, to), 'utf8').toString('base64');
    }
  }
  return out;
}

/** True when the value holds `needle` as is or inside Basic credentials. */
export function headerHolds(name: string, value: string, needle: string): boolean {
  return swapHeaderValue(name, value, needle, '') !== value;
}

/**
 * Replaces each pair's secret by its placeholder in a byte stream. Keeps back the
 * last (longest secret − 1) bytes of each chunk so a secret split across chunks is
 * still found.
 */
export class SecretToPlaceholder extends Transform {
  private carry: Buffer = Buffer.alloc(0);
  private readonly keep: number;
  private readonly pairs: Array<{ secret: Buffer; placeholder: Buffer }>;

  constructor(pairs: readonly SwapPair[]) {
    super();
    this.pairs = pairs.filter((p) => p.secret !== '').map((p) => ({ secret: Buffer.from(p.secret, 'utf8'), placeholder: Buffer.from(p.placeholder, 'utf8') }));
    this.keep = Math.max(0, ...this.pairs.map((p) => p.secret.length - 1));
  }

  private replace(buf: Buffer): Buffer {
    let out = buf;
    for (const p of this.pairs) {
      if (out.indexOf(p.secret) < 0) continue;
      const parts: Buffer[] = [];
      let at = 0;
      for (let i = out.indexOf(p.secret); i >= 0; i = out.indexOf(p.secret, at)) {
        parts.push(out.subarray(at, i), p.placeholder);
        at = i + p.secret.length;
      }
      parts.push(out.subarray(at));
      out = Buffer.concat(parts);
    }
    return out;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = this.replace(Buffer.concat([this.carry, chunk]));
    const keep = Math.min(buf.length, this.keep);
    if (buf.length > keep) this.push(buf.subarray(0, buf.length - keep));
    this.carry = Buffer.from(buf.subarray(buf.length - keep));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.carry.length) this.push(this.replace(this.carry));
    cb();
  }
}
