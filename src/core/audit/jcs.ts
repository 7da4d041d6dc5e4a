/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), https://www.rfc-editor.org/rfc/rfc8785.
 *
 * Audit hashes are computed over these bytes, so an independent verifier must be able
 * to reproduce them exactly. JCS is: no whitespace; object members sorted by their
 * names' UTF-16 code units; strings escaped as ECMAScript JSON.stringify does (only
 * `"`, `\` and U+0000–U+001F, the latter as \b \t \n \f \r or \u00xx lowercase);
 * numbers as ECMAScript Number-to-string (which is what JSON.stringify emits).
 *
 * Input must be I-JSON (RFC 7493): we refuse non-finite numbers, lone UTF-16 surrogates
 * and anything that is not plain JSON data rather than silently hashing something a
 * verifier in another language would encode differently. Object members whose value
 * is `undefined` are omitted (an absent optional field), as JSON.stringify does.
 */
import { LatchkeyError } from '../../shared/errors';
import { utf8ToBytes } from '../crypto/bytes';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function refuse(what: string): never {
  throw new LatchkeyError('invalid_input', `Cannot canonicalize JSON: ${what}.`);
}

function encodeString(s: string): string {
  if (LONE_SURROGATE.test(s)) refuse('a string holds a lone UTF-16 surrogate');
  // ECMAScript's JSON.stringify (ES2019+, "well-formed") matches RFC 8785 §3.2.2.2 for
  // strings without lone surrogates, which we excluded above.
  return JSON.stringify(s);
}

function encode(value: unknown, depth: number): string {
  if (depth > 64) refuse('nesting deeper than 64 levels');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) refuse('a number is not finite');
      // RFC 8785 §3.2.2.3: ECMAScript Number serialization; -0 becomes 0.
      return JSON.stringify(value);
    case 'string':
      return encodeString(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v: unknown) => encode(v, depth + 1)).join(',')}]`;
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) refuse('a value is not a plain object');
      const obj = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, exactly what RFC 8785 §3.2.3 asks for.
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => `${encodeString(k)}:${encode(obj[k], depth + 1)}`).join(',')}}`;
    }
    default:
      return refuse(`a value of type ${typeof value} is not JSON`);
  }
}

/** The RFC 8785 canonical text of `value`. Throws `invalid_input` for non-I-JSON input. */
export function canonicalizeJcs(value: JsonValue): string {
  return encode(value, 0);
}

/** UTF-8 bytes of {@link canonicalizeJcs}: what gets hashed. */
export function jcsBytes(value: JsonValue): Uint8Array {
  return utf8ToBytes(canonicalizeJcs(value));
}
