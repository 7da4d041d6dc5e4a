/**
 * Canonical JSON for the small, flat structures we hash (slot digests, parameter
 * digests): object keys sorted by UTF-16 code units, no whitespace, numbers and
 * strings as JSON.stringify writes them. For our inputs (integers, ASCII/UTF-8
 * strings, nested plain objects) this equals RFC 8785 JCS.
 */
export type CanonicalValue = string | number | boolean | null | readonly CanonicalValue[] | { readonly [k: string]: CanonicalValue };

export function canonicalJson(value: CanonicalValue): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v: CanonicalValue) => canonicalJson(v)).join(',')}]`;
  const obj = value as { readonly [k: string]: CanonicalValue };
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k]!)}`).join(',')}}`;
}
