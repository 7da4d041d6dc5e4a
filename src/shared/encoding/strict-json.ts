/**
 * The one JSON parser for everything signed or synced (audit export lines, sync
 * request and response bodies, stored manifests, the CLI's key files). JSON.parse keeps
 * the LAST of repeated member names, so `{"outcome":"denied","outcome":"success"}`
 * would verify as "success" here and read as "denied" in another language's parser;
 * RFC 8259 §4 leaves that open, I-JSON (RFC 7493 §2.3) forbids it, and so do we.
 *
 * How: JSON.parse first (it checks the grammar, so the scan below may assume valid
 * JSON), then one pass over the text tracking the member names of each open object.
 * Names are compared after unescaping ("a" and "\u0061" are the same name). The scan
 * only validates; a full AST parser (e.g. momoa) would hold ~10× the input in memory
 * for an 8 MiB sync body to answer the same question.
 */
import { LatchkeyError } from '../errors';

export type StrictJsonResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: 'syntax' | 'duplicate_key' | 'too_deep'; readonly message: string };

/** Deeper nesting than any Latchkey format uses; keeps the scan's stack small. */
export const MAX_JSON_DEPTH = 64;

interface Frame {
  readonly names: Set<string> | null; // null: an array
  expectName: boolean;
}

function scan(text: string): StrictJsonResult | null {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // The closing quote is the first one preceded by an even number of backslashes
      // (indexOf keeps long strings such as ciphertext cheap to skip).
      let j = text.indexOf('"', i + 1);
      for (;;) {
        let k = j - 1;
        while (text.charCodeAt(k) === 0x5c) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      const top = stack[stack.length - 1];
      if (top?.names && top.expectName) {
        const raw = text.slice(i, j + 1);
        const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.names.has(name)) {
          return { ok: false, reason: 'duplicate_key', message: `The member name "${name.length > 40 ? `${name.slice(0, 40)}…` : name}" appears twice in one object.` };
        }
        top.names.add(name);
        top.expectName = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= MAX_JSON_DEPTH) return { ok: false, reason: 'too_deep', message: `The JSON nests deeper than ${MAX_JSON_DEPTH} levels.` };
      stack.push({ names: c === 0x7b ? new Set() : null, expectName: c === 0x7b });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.names) top.expectName = true;
    }
  }
  return null;
}

/** Parses JSON text, refusing repeated member names and nesting beyond MAX_JSON_DEPTH. */
export function tryParseStrictJson(text: string): StrictJsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'syntax', message: 'The text is not valid JSON.' };
  }
  return provesUnique(text, value) ? { ok: true, value } : (scan(text) ?? { ok: true, value });
}

/**
 * The cheap proof, before the scan: the text holds as many member names as the parsed
 * value has members (memberNameCount), so no object repeats one, and the value nests no
 * deeper than MAX_JSON_DEPTH (with no repeat dropped, the text nests exactly as deep).
 * False is "not proved": the scan decides, as it always did.
 */
function provesUnique(text: string, value: unknown): boolean {
  const names = memberNameCount(text);
  if (names === undefined) return false;
  const count = { members: 0 };
  return countMembers(value, 1, count) && count.members === names;
}

/** Adds up the members of every object in `v`; false if a container nests deeper than MAX_JSON_DEPTH. */
function countMembers(v: unknown, depth: number, count: { members: number }): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (depth > MAX_JSON_DEPTH) return false;
  if (Array.isArray(v)) {
    for (const x of v as unknown[]) if (!countMembers(x, depth + 1, count)) return false;
    return true;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  count.members += keys.length;
  for (const k of keys) if (!countMembers(o[k], depth + 1, count)) return false;
  return true;
}

/**
 * How many object member names valid JSON `text` holds, repeated ones included; undefined
 * when it holds a backslash. Without one no string has an escaped quote, so the quotes pair
 * up in order and a string is a member name exactly when a colon follows it: a cheap
 * count (no per-character loop, no name strings) for a caller that already knows how many
 * distinct members the parsed value has. Equal counts prove no object repeats a name.
 */
export function memberNameCount(text: string): number | undefined {
  if (text.includes('\\')) return undefined;
  let names = 0;
  let open = text.indexOf('"');
  while (open !== -1) {
    const close = text.indexOf('"', open + 1);
    if (close === -1) return undefined;
    let k = close + 1;
    while (isJsonSpace(text.charCodeAt(k))) k++;
    if (text.charCodeAt(k) === 0x3a /* : */) names++;
    open = text.indexOf('"', close + 1);
  }
  return names;
}

const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** As tryParseStrictJson; throws `invalid_input` naming `what` ("The server's answer"). */
export function parseStrictJson(text: string, what = 'The JSON'): unknown {
  const r = tryParseStrictJson(text);
  if (!r.ok) throw new LatchkeyError('invalid_input', `${what} is not strict JSON: ${r.message}`, { reason: r.reason });
  return r.value;
}
