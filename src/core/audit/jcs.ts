/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), https://www.rfc-editor.org/rfc/rfc8785.
 *
 * The one canonical-JSON implementation for audit records, checkpoints, vault
 * manifests and policy files: the `canonicalize` package (its author co-wrote RFC
 * 8785), which policy signing already used. Its output is checked against the RFC's
 * vectors in test/unit/audit/jcs-matches-rfc8785.test.ts.
 *
 * Hashes and signatures are computed over these bytes, so an independent verifier
 * must be able to reproduce them exactly. The package is lenient where a verifier in
 * another language could not follow (it calls toJSON, unboxes Number objects, walks
 * class instances); we first check the input is plain I-JSON (RFC 7493) data: plain
 * objects and arrays, finite numbers, strings without lone surrogates, at most 64
 * levels deep. Object members whose value is `undefined` are omitted (an absent
 * optional field), as JSON.stringify does.
 */
import canonicalize from 'canonicalize';
import { LatchkeyError } from '../../shared/errors';
import { utf8ToBytes } from '../crypto/bytes';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function refuse(what: string): never {
  throw new LatchkeyError('invalid_input', `Cannot canonicalize JSON: ${what}.`);
}

function checkString(s: string): void {
  if (LONE_SURROGATE.test(s)) refuse('a string holds a lone UTF-16 surrogate');
}

function check(value: unknown, depth: number): void {
  if (depth > 64) refuse('nesting deeper than 64 levels');
  if (value === null) return;
  switch (typeof value) {
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) refuse('a number is not finite');
      return;
    case 'string':
      return checkString(value);
    case 'object': {
      if (Array.isArray(value)) {
        for (const v of value as unknown[]) {
          if (v === undefined) refuse('an array holds undefined');
          check(v, depth + 1);
        }
        return;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) refuse('a value is not a plain object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        checkString(k);
        if (v !== undefined) check(v, depth + 1);
      }
      return;
    }
    default:
      refuse(`a value of type ${typeof value} is not JSON`);
  }
}

/** The RFC 8785 canonical text of `value`. Throws `invalid_input` for non-I-JSON input. */
export function canonicalizeJcs(value: JsonValue): string {
  check(value, 0);
  const out = canonicalize(value);
  if (out === undefined) refuse('the value has no JSON form');
  return out;
}

/** UTF-8 bytes of {@link canonicalizeJcs}: what gets hashed. */
export function jcsBytes(value: JsonValue): Uint8Array {
  return utf8ToBytes(canonicalizeJcs(value));
}
