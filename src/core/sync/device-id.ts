/**
 * A device's id derived from its Ed25519 public key (docs/audit-format.md §2,
 * docs/sync-protocol.md "Enrolment"). The key exists from the app's first start, long
 * before any enrolment, so the audit chain it signs needs an id that the org server
 * will later accept as the same device: the server recomputes this derivation and
 * refuses a proposed id that does not match, so an id can never be claimed for a key
 * that is not its own.
 *
 * id = UUID form of the first 16 bytes of SHA-256("latchkey-device-id-v1" || publicKey),
 * with the RFC 9562 version nibble set to 8 (custom) and the variant bits to 10 — a
 * UUID because the server's device columns are `uuid`.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { concatBytes, utf8ToBytes } from '../crypto/bytes';

const DOMAIN = 'latchkey-device-id-v1';

export function deviceIdForPublicKey(publicKey: Uint8Array): string {
  const b = sha256(concatBytes(utf8ToBytes(DOMAIN), publicKey)).slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
