/** The enrolment attempt's nonce: 32 random bytes; only its SHA-256 is stored. */
import { createHash, randomBytes } from 'node:crypto';

export function newNonce(): string {
  return randomBytes(32).toString('base64url');
}

export function hashNonce(nonce: string): string {
  return createHash('sha256').update(nonce, 'utf8').digest('hex');
}
