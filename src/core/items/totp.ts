/**
 * TOTP (RFC 6238) over HOTP (RFC 4226) with HMAC-SHA1/256/512 from @noble/hashes.
 * Accepts an otpauth:// URI (Key Uri Format: secret, algorithm, digits, period) or a
 * bare base32 secret (RFC 4648, padding and spaces ignored).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { LatchkeyError } from '../../shared/errors';
import { wipe } from '../crypto/bytes';

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';
export interface TotpConfig {
  readonly secret: Uint8Array;
  readonly algorithm: TotpAlgorithm;
  readonly digits: number;
  /** Seconds. */
  readonly period: number;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Decode(text: string): Uint8Array {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new LatchkeyError('invalid_input', 'The TOTP secret is not valid base32.');
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >>> bits) & 0xff);
    }
  }
  if (out.length === 0) throw new LatchkeyError('invalid_input', 'The TOTP secret is empty.');
  return new Uint8Array(out);
}

function decodeQueryValue(v: string): string {
  try {
    return decodeURIComponent(v.replace(/\+/g, ' '));
  } catch {
    throw new LatchkeyError('invalid_input', 'The otpauth URI is malformed.');
  }
}

/** Parses a stored TOTP value. Messages never quote it (it is the seed). */
export function parseTotp(value: string): TotpConfig {
  const trimmed = value.trim();
  if (!/^otpauth:/i.test(trimmed)) return { secret: base32Decode(trimmed), algorithm: 'SHA1', digits: 6, period: 30 };
  const m = /^otpauth:\/\/totp\/[^?]*\?(.*)$/i.exec(trimmed);
  if (!m) throw new LatchkeyError('invalid_input', 'Only otpauth://totp/ URIs are supported.');
  const q = new Map<string, string>();
  for (const part of (m[1] ?? '').split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) q.set(part.slice(0, eq).toLowerCase(), decodeQueryValue(part.slice(eq + 1)));
  }
  const secret = q.get('secret');
  if (!secret) throw new LatchkeyError('invalid_input', 'The otpauth URI has no secret.');
  const algorithm = (q.get('algorithm') ?? 'SHA1').toUpperCase();
  if (algorithm !== 'SHA1' && algorithm !== 'SHA256' && algorithm !== 'SHA512') {
    throw new LatchkeyError('invalid_input', 'TOTP algorithm must be SHA1, SHA256 or SHA512.');
  }
  const digits = Number(q.get('digits') ?? '6');
  const period = Number(q.get('period') ?? '30');
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) throw new LatchkeyError('invalid_input', 'TOTP digits must be 6 to 10.');
  if (!Number.isInteger(period) || period < 1 || period > 3600) throw new LatchkeyError('invalid_input', 'TOTP period must be 1 to 3600 seconds.');
  return { secret: base32Decode(secret), algorithm, digits, period };
}

/** HOTP value for a counter (RFC 4226 §5.3 dynamic truncation). */
export function hotp(secret: Uint8Array, counter: bigint, algorithm: TotpAlgorithm, digits: number): string {
  const msg = new Uint8Array(8);
  let c = counter;
  for (let i = 7; i >= 0; i--) {
    msg[i] = Number(c & 0xffn);
    c >>= 8n;
  }
  const hash = algorithm === 'SHA1' ? sha1 : algorithm === 'SHA256' ? sha256 : sha512;
  const mac = hmac(hash, secret, msg);
  const off = mac[mac.length - 1]! & 0x0f;
  const bin = ((mac[off]! & 0x7f) << 24) | (mac[off + 1]! << 16) | (mac[off + 2]! << 8) | mac[off + 3]!;
  wipe(mac);
  return (bin % 10 ** digits).toString().padStart(digits, '0');
}

/** Code at `unixMs` and when it expires. */
export function totpAt(cfg: TotpConfig, unixMs: number): { code: string; validUntil: number } {
  const step = BigInt(Math.floor(unixMs / 1000 / cfg.period));
  return { code: hotp(cfg.secret, step, cfg.algorithm, cfg.digits), validUntil: (Number(step) + 1) * cfg.period * 1000 };
}
