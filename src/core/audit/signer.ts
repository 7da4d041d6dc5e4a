/**
 * Signing and verification reach the audit code through small interfaces, so the
 * device key can live wherever the platform keeps it (OS keychain in main, a worker,
 * a test) and a Node process can verify with node:crypto (much faster than pure JS,
 * see docs/performance.md) while the browser uses @noble/curves.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { LatchkeyError } from '../../shared/errors';

export interface AuditSigner {
  /** 32-byte Ed25519 public key (RFC 8032 encoding). */
  readonly publicKey: Uint8Array;
  /** Ed25519 signature (64 bytes) over `message`. */
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** Returns true only for a valid Ed25519 signature; never throws on malformed input. */
export type SignatureVerifier = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

/**
 * Pure-JS Ed25519 verification (RFC 8032 with noble's default ZIP-215-free strict
 * checks). Works in every runtime; a few thousand verifications per second per core.
 */
export const nobleEd25519Verify: SignatureVerifier = (signature, message, publicKey) => {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
};

/**
 * An in-process Ed25519 signer. The caller owns `secretKey` (32 bytes, RFC 8032 seed)
 * and must keep it out of logs; we keep a private copy and `dispose()` wipes it.
 */
export function createEd25519Signer(secretKey: Uint8Array): AuditSigner & { dispose(): void } {
  if (secretKey.length !== 32) throw new LatchkeyError('invalid_input', 'An Ed25519 secret key is 32 bytes.');
  const key = secretKey.slice();
  const publicKey = ed25519.getPublicKey(key);
  let disposed = false;
  return {
    publicKey,
    sign(message) {
      if (disposed) throw new LatchkeyError('internal', 'This audit signer was disposed.');
      return ed25519.sign(message, key);
    },
    dispose() {
      disposed = true;
      key.fill(0);
    },
  };
}

/** A fresh random Ed25519 secret key (tests, servers creating their checkpoint key). */
export function generateEd25519SecretKey(): Uint8Array {
  return ed25519.utils.randomSecretKey();
}
