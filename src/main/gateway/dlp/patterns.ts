/**
 * The DLP patterns written here (the maintained secretlint preset covers the services'
 * tokens and private keys, secretlint.ts): card numbers (Luhn and issuer prefix), IBANs
 * (mod 97), e-mail addresses, phone numbers, and JWTs (secretlint's preset has no JWT
 * rule). Each returns spans of the text; the match itself is never kept beyond that.
 */
import type { DlpCategory } from '../../../shared/policy';
import { ibanLength, isCardNumber, isIban } from './checksums';

export interface DlpFinding {
  readonly category: DlpCategory;
  /** A stable rule id for the audit record (never the match): `card.luhn`, `secretlint:github:GITHUB_TOKEN` … */
  readonly rule: string;
  readonly start: number;
  readonly end: number;
}

// Digits with single spaces or dashes between them (card numbers are printed in groups).
const CARD = /(?<![\d.,-])\d(?:[ -]?\d){12,18}(?![\d-]|[.,]\d)/g;
const IBAN = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])/g;
// Local part and domain as RFC 5321 mailboxes usually look; the TLD is letters only.
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
// International (+country code) or North American `(555) 123-4567` / `555-123-4567` forms.
const PHONE_INTL = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w])/g;
const PHONE_NANP = /(?<![\w(])(?:\(\d{3}\) ?|\d{3}[.-])\d{3}[.-]\d{4}(?!\w)/g;
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])/g;

function each(re: RegExp, text: string, f: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) f(m);
}

export function findCards(text: string): DlpFinding[] {
  const out: DlpFinding[] = [];
  each(CARD, text, (m) => {
    const digits = m[0].replace(/[ -]/g, '');
    // Mixed separators are not how a card is printed ("4111 1111-1111 1111" is a list of numbers).
    if (/ /.test(m[0]) && /-/.test(m[0])) return;
    if (isCardNumber(digits)) out.push({ category: 'cards', rule: 'card.luhn', start: m.index, end: m.index + m[0].length });
  });
  return out;
}

export function findIbans(text: string): DlpFinding[] {
  const out: DlpFinding[] = [];
  each(IBAN, text, (m) => {
    // Printed in groups of four, an IBAN can run into the next word ("… 7654 32 today"):
    // take exactly as many characters as the country's IBANs have, then a word boundary.
    const want = ibanLength(m[0].slice(0, 2).toUpperCase());
    if (want === undefined) return;
    let n = 0;
    let end = 0;
    while (end < m[0].length && n < want) if (m[0][end++] !== ' ') n++;
    if (n < want || /[A-Za-z0-9]/.test(m[0][end] ?? '')) return;
    if (isIban(m[0].slice(0, end).replace(/ /g, '').toUpperCase())) out.push({ category: 'iban', rule: 'iban.mod97', start: m.index, end: m.index + end });
  });
  return out;
}

/** EMAIL anchored where it is tried (the same pattern, sticky). */
const EMAIL_AT = new RegExp(EMAIL.source, 'y');
const LOCAL = /[A-Za-z0-9._%+-]/;

/**
 * EMAIL's matches, found from each `@` instead of trying the pattern at every letter
 * and digit (each try reads up to 64 local-part characters before failing on a missing
 * `@`: ≈ 13 ms per MiB of ordinary JSON). Same matches, same order: a match's `@` is the
 * first after its start (the local part holds none), and its start is where the run of
 * local-part characters before that `@` begins (the lookbehind), at most 64 back.
 */
export function findEmails(text: string): DlpFinding[] {
  const out: DlpFinding[] = [];
  let from = 0;
  for (let at = text.indexOf('@', from); at >= 0; at = text.indexOf('@', from)) {
    let start = at;
    while (start > from && at - start <= 64 && LOCAL.test(text[start - 1]!)) start--;
    // The run began before the last match's end (the pattern cannot start inside it) or is too long: no match with this `@`.
    const runBegins = start === 0 || !LOCAL.test(text[start - 1]!);
    if (start < at && runBegins && at - start <= 64) {
      EMAIL_AT.lastIndex = start;
      const m = EMAIL_AT.exec(text);
      if (m !== null) {
        out.push({ category: 'email', rule: 'email', start, end: start + m[0].length });
        from = start + m[0].length;
        continue;
      }
    }
    from = at + 1;
  }
  return out;
}

/**
 * Whether `text` holds the character `c`: a pattern with a literal it must match is not
 * run where it is absent. One character's indexOf is a memchr (≈ 0.02 ms per MiB when
 * absent); each pattern here is a full regex pass (≈ 0.3–1 ms per MiB).
 */
const has = (text: string, c: string): boolean => text.indexOf(c) >= 0;

export function findPhones(text: string): DlpFinding[] {
  const out: DlpFinding[] = [];
  const add = (m: RegExpExecArray): void => {
    const digits = m[0].replace(/\D/g, '').length;
    // E.164 allows at most 15 digits; fewer than 8 is an extension or a code, not a number.
    if (digits >= 8 && digits <= 15) out.push({ category: 'phone', rule: 'phone', start: m.index, end: m.index + m[0].length });
  };
  // PHONE_INTL needs its `+`; PHONE_NANP the `[.-]` before its last four digits.
  if (has(text, '+')) each(PHONE_INTL, text, add);
  if (has(text, '-') || has(text, '.')) each(PHONE_NANP, text, add);
  return out;
}

/** A JWS compact serialization whose header is JSON naming an `alg` (RFC 7515 §7.1). */
export function findJwts(text: string): DlpFinding[] {
  const out: DlpFinding[] = [];
  // Three parts joined by dots.
  if (!has(text, '.')) return out;
  each(JWT, text, (m) => {
    try {
      const header: unknown = JSON.parse(Buffer.from(m[0].slice(0, m[0].indexOf('.')), 'base64url').toString('utf8'));
      if (header !== null && typeof header === 'object' && typeof (header as { alg?: unknown }).alg === 'string') {
        out.push({ category: 'secrets', rule: 'jwt', start: m.index, end: m.index + m[0].length });
      }
    } catch {
      // Not JSON: not a JWT.
    }
  });
  return out;
}
