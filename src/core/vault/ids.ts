/** Random identifiers: 16 bytes as base64url (22 characters), unguessable and collision-free in practice. */
import { toBase64url } from '../crypto/bytes';
import type { RandomSource } from '../crypto/random';

export function newId(random: RandomSource): string {
  return toBase64url(random.bytes(16));
}
