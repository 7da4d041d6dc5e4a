import { describe, expect, it } from 'vitest';
import { formatRecoveryCode, parseRecoveryCode } from '../../../src/core/vault/slots';

describe('recovery codes: 128 bits, human-typable, typo-detecting', () => {
  it('formats 16 bytes as 7 groups of 4 Crockford base32 characters and parses them back', () => {
    for (let i = 0; i < 50; i++) {
      const data = crypto.getRandomValues(new Uint8Array(16));
      const code = formatRecoveryCode(data);
      expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/);
      expect(parseRecoveryCode(code)).toEqual(data);
      // forgiving input: lower case, spaces, O for 0, l for 1
      expect(parseRecoveryCode(code.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l'))).toEqual(data);
    }
  });

  it('catches every single-character substitution as wrong_recovery_code', () => {
    const code = formatRecoveryCode(new Uint8Array(16).fill(0xa5)).replace(/-/g, '');
    let caught = 0;
    for (let i = 0; i < code.length; i++) {
      const swapped = code.slice(0, i) + (code[i] === 'Z' ? 'Y' : 'Z') + code.slice(i + 1);
      try {
        parseRecoveryCode(swapped);
      } catch (e) {
        expect((e as { code: string }).code).toBe('wrong_recovery_code');
        caught++;
      }
    }
    // A 12-bit checksum misses a given typo with probability 1/4096; this fixed code has none missed.
    expect(caught).toBe(code.length);
  });
});
