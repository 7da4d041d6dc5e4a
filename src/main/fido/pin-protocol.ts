/**
 * PIN/UV auth protocols one and two (CTAP 2.1 §6.5.6, §6.5.7). Both sides of a
 * ClientPIN exchange agree on a shared secret by ECDH on P-256 with the key's
 * ephemeral "key agreement" key, then:
 * - v1: secret = SHA-256(Z.x); AES-256-CBC with a zero IV; MAC = first 16 bytes of HMAC-SHA-256.
 * - v2: secret = HKDF(Z.x, "CTAP2 HMAC key") || HKDF(Z.x, "CTAP2 AES key") (salt 32 zero
 *   bytes); AES-256-CBC with a random IV prepended; MAC = full HMAC-SHA-256 with the
 *   first 32 bytes of the key.
 * Pure @noble code: the software authenticator in test/ uses the same functions from
 * the other side, and the independent python-fido2 cross-check keeps both honest.
 */
import { cbc } from '@noble/ciphers/aes.js';
import { p256 } from '@noble/curves/nist.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { LatchkeyError } from '../../shared/errors';
import type { CborValue } from './cbor';

export type PinProtocolVersion = 1 | 2;

/** COSE_Key of an ECDH-ES+HKDF-256 P-256 public key (alg -25, as CTAP requires). */
export function coseKeyFromPoint(uncompressed: Uint8Array): Map<number, CborValue> {
  return new Map<number, CborValue>([
    [1, 2],
    [3, -25],
    [-1, 1],
    [-2, uncompressed.slice(1, 33)],
    [-3, uncompressed.slice(33, 65)],
  ]);
}

/** x and y -> uncompressed SEC1 point, refused unless it is on the curve. */
export function pointFromCoords(x: Uint8Array, y: Uint8Array): Uint8Array {
  const pt = concatBytes(new Uint8Array([4]), x, y);
  try {
    p256.Point.fromBytes(pt).assertValidity();
  } catch {
    throw new LatchkeyError('fido_device', 'The security key sent an invalid key-agreement key.', { reason: 'ecdh_point' });
  }
  return pt;
}

const ZERO32 = new Uint8Array(32);
const ZERO_IV = new Uint8Array(16);

export interface PinProtocol {
  readonly version: PinProtocolVersion;
  /** Shared secret from our private key and the peer's public point (Z = x coordinate). */
  kdf(z: Uint8Array): Uint8Array;
  encrypt(key: Uint8Array, plaintext: Uint8Array, random: (n: number) => Uint8Array): Uint8Array;
  decrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  authenticate(key: Uint8Array, message: Uint8Array): Uint8Array;
}

function cbcNoPad(key: Uint8Array, iv: Uint8Array) {
  return cbc(key, iv, { disablePadding: true });
}

function badCiphertext(): LatchkeyError {
  return new LatchkeyError('fido_device', 'The security key sent data of the wrong length.', { reason: 'ciphertext' });
}

export const pinProtocolOne: PinProtocol = {
  version: 1,
  kdf: (z) => sha256(z),
  encrypt: (key, pt) => cbcNoPad(key, ZERO_IV).encrypt(pt),
  decrypt(key, ct) {
    if (ct.length === 0 || ct.length % 16 !== 0) throw badCiphertext();
    return cbcNoPad(key, ZERO_IV).decrypt(ct);
  },
  authenticate: (key, msg) => hmac(sha256, key, msg).slice(0, 16),
};

export const pinProtocolTwo: PinProtocol = {
  version: 2,
  kdf: (z) => concatBytes(hkdf(sha256, z, ZERO32, utf8ToBytes('CTAP2 HMAC key'), 32), hkdf(sha256, z, ZERO32, utf8ToBytes('CTAP2 AES key'), 32)),
  encrypt(key, pt, random) {
    const iv = random(16);
    return concatBytes(iv, cbcNoPad(key.subarray(32, 64), iv).encrypt(pt));
  },
  decrypt(key, ct) {
    if (ct.length < 32 || ct.length % 16 !== 0) throw badCiphertext();
    return cbcNoPad(key.subarray(32, 64), ct.subarray(0, 16)).decrypt(ct.subarray(16));
  },
  authenticate: (key, msg) => hmac(sha256, key.subarray(0, 32), msg),
};

export function pinProtocol(v: number): PinProtocol {
  if (v === 1) return pinProtocolOne;
  if (v === 2) return pinProtocolTwo;
  throw new LatchkeyError('unsupported', `PIN protocol ${v} is not supported.`);
}

export interface Agreement {
  /** Our ephemeral public key, to send as keyAgreement. */
  readonly platformKey: Map<number, CborValue>;
  /** Wipe after use. */
  readonly shared: Uint8Array;
}

/** Platform side of key agreement against the authenticator's point. */
export function agree(proto: PinProtocol, peer: Uint8Array, random: (n: number) => Uint8Array): Agreement {
  const sk = p256.utils.randomSecretKey(random(48));
  try {
    const z = p256.getSharedSecret(sk, peer, true).slice(1, 33);
    const shared = proto.kdf(z);
    z.fill(0);
    return { platformKey: coseKeyFromPoint(p256.getPublicKey(sk, false)), shared };
  } finally {
    sk.fill(0);
  }
}

/** 64-byte zero-padded PIN block (CTAP 2.1 §6.5.5.5): 4..63 UTF-8 bytes after NFC. */
export function paddedPin(pin: string): Uint8Array {
  const b = utf8ToBytes(pin.normalize('NFC'));
  if (b.length < 4 || b.length > 63) {
    b.fill(0);
    throw new LatchkeyError('invalid_input', 'A PIN has 4 to 63 characters.');
  }
  const out = new Uint8Array(64);
  out.set(b);
  b.fill(0);
  return out;
}

/** LEFT(SHA-256(pin), 16) — what getPinToken sends, encrypted. */
export function pinHash16(pin: string): Uint8Array {
  const b = utf8ToBytes(pin.normalize('NFC'));
  const h = sha256(b);
  b.fill(0);
  const out = h.slice(0, 16);
  h.fill(0);
  return out;
}
