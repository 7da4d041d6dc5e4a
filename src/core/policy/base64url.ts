/**
 * Base64url for policy files: the one strict codec (src/shared/encoding/base64url.ts),
 * under the names and null-returning shape the policy code uses.
 */
export { toBase64url, decodeBase64urlOrNull as fromBase64url } from '../../shared/encoding/base64url';
