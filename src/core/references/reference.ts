/**
 * Secret references: `latchkey://<vault>/<item>/<field>` (docs/references.md). Each
 * part is a name or an id, percent-encoded as UTF-8; the parser is strict so that a
 * reference means one thing only: no query, no fragment, no empty or dot part, no
 * stray `%`, no control characters, and decoded text must be valid UTF-8.
 */
import { LatchkeyError } from '../../shared/errors';

export interface SecretReference {
  readonly vault: string;
  readonly item: string;
  readonly field: string;
}

const REFERENCE_SCHEME = 'latchkey://';
const MAX_REFERENCE = 2048;
const MAX_PART = 256;
const PART_NAMES = ['vault', 'item', 'field'] as const;

function refError(why: string): LatchkeyError {
  return new LatchkeyError(
    'invalid_input',
    `Not a valid secret reference: ${why}. Write latchkey://<vault>/<item>/<field>, with "/", "%" and spaces in a name written as %2F, %25 and %20.`,
  );
}

function decodePart(raw: string, which: (typeof PART_NAMES)[number]): string {
  if (raw === '') throw refError(`the ${which} is empty`);
  if (!/^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+$/.test(raw)) {
    throw refError(`the ${which} holds a character that must be percent-encoded, or a "%" not followed by two hex digits`);
  }
  let text: string;
  try {
    // ECMAScript's decoder refuses escapes that are not valid UTF-8 (URIError).
    text = decodeURIComponent(raw);
  } catch {
    throw refError(`the ${which} is not valid UTF-8 once decoded`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(text)) throw refError(`the ${which} holds a control character`);
  if (text === '.' || text === '..') throw refError(`the ${which} may not be "." or ".."`);
  if ([...text].length > MAX_PART) throw refError(`the ${which} is longer than ${MAX_PART} characters`);
  return text;
}

/** Parses one reference; throws LatchkeyError('invalid_input') with a reason a person can act on. */
export function parseReference(input: string): SecretReference {
  if (input.length > MAX_REFERENCE) throw refError(`it is longer than ${MAX_REFERENCE} characters`);
  // The scheme is case-insensitive (RFC 3986); nothing else is.
  if (input.slice(0, REFERENCE_SCHEME.length).toLowerCase() !== REFERENCE_SCHEME) throw refError('it does not start with latchkey://');
  const rest = input.slice(REFERENCE_SCHEME.length);
  if (rest.includes('?') || rest.includes('#')) throw refError('it has a query or fragment ("?" or "#"; encode them as %3F and %23 in a name)');
  const parts = rest.split('/');
  if (parts.length !== 3) throw refError(`it has ${parts.length} part${parts.length === 1 ? '' : 's'} after latchkey:// instead of 3`);
  const [vault, item, field] = parts.map((p, i) => decodePart(p, PART_NAMES[i]!)) as [string, string, string];
  return { vault, item, field };
}

/** Encodes one part so parseReference gives it back unchanged. */
function encodeReferencePart(text: string): string {
  // encodeURIComponent leaves only A–Z a–z 0–9 - _ . ! ~ * ' ( ), all allowed in a part.
  return encodeURIComponent(text);
}

/** The reference "copy reference" puts on the clipboard. */
export function formatReference(ref: SecretReference): string {
  for (const [k, v] of Object.entries(ref)) {
    if (v === '' || v === '.' || v === '..') throw refError(`the ${k} cannot be "${v}" in a reference; use the id instead`);
  }
  return `${REFERENCE_SCHEME}${encodeReferencePart(ref.vault)}/${encodeReferencePart(ref.item)}/${encodeReferencePart(ref.field)}`;
}
