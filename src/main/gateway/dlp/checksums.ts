/**
 * Checksums that tell a real card number or IBAN from any other run of digits, so DLP
 * flags only numbers that could be one (a random 16-digit id passes Luhn one time in ten;
 * the length and prefix rules below cut that further).
 */

/** Luhn (ISO/IEC 7812-1 Annex B) over a string of ASCII digits. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * A payment card number: 13 to 19 digits with a valid Luhn check digit and an issuer
 * prefix in use (Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37, Discover 6011/65/644-649,
 * JCB 3528-3589, Diners 36/38/300-305, UnionPay 62, Maestro 50/56-69), which
 * leaves out most other Luhn-valid numbers.
 */
export function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return false;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  if (digits[0] === '4') return digits.length === 13 || digits.length === 16 || digits.length === 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return digits.length === 16;
  if (p2 === 34 || p2 === 37) return digits.length === 15;
  if (p4 >= 3528 && p4 <= 3589) return digits.length >= 16;
  if (p2 === 36 || p2 === 38 || (p4 >= 3000 && p4 <= 3059)) return digits.length >= 14;
  if (p4 === 6011 || p2 === 65 || (p4 >= 6440 && p4 <= 6499) || p2 === 62) return digits.length >= 16;
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return digits.length >= 12;
  return false;
}

/** IBAN lengths by country (ISO 13616 registry, SWIFT release 2024). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** The length of an IBAN of country `cc` (upper case), or undefined for an unknown country. */
export function ibanLength(cc: string): number | undefined {
  return Object.hasOwn(IBAN_LENGTHS, cc) ? IBAN_LENGTHS[cc] : undefined;
}

/** An IBAN without spaces, upper case: known country, its length, and ISO 7064 mod 97-10 remainder 1. */
export function isIban(compact: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact)) return false;
  if (IBAN_LENGTHS[compact.slice(0, 2)] !== compact.length) return false;
  const moved = compact.slice(4) + compact.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const c = ch.charCodeAt(0);
    // Letters count as two digits, A = 10 … Z = 35.
    const v = c >= 65 ? String(c - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}
