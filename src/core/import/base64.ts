/**
 * Standard base64 (RFC 4648 §4, with padding) as other apps write it, decoded through
 * the project's one strict codec: the alphabet is mapped to base64url and the padding
 * checked here. null when the text is not base64.
 */
import { decodeBase64urlOrNull } from '../../shared/encoding/base64url';

export function decodeBase64OrNull(text: string): Uint8Array | null {
  const t = text.trim();
  if (/[-_]/.test(t) || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return null;
  const body = t.replace(/=+$/, '');
  if (t.length !== body.length && t.length % 4 !== 0) return null;
  return decodeBase64urlOrNull(body.replace(/\+/g, '-').replace(/\//g, '_'));
}
