/**
 * CBOR for CTAP2 (CTAP 2.1 §8 "Message Encoding"): canonical encoding (map keys sorted
 * by encoded length then bytes, shortest integer forms, definite lengths), and a
 * strict decoder for device data. Maps decode as `Map` because CTAP keys are
 * integers. Anything a well-behaved authenticator never sends (indefinite lengths,
 * tags, undefined, big integers, duplicate keys, trailing bytes) is refused: device
 * bytes are untrusted input and every refusal is a typed 'fido_device' error.
 */
import { decode, decodeFirst, encode } from 'cborg';
import { LatchkeyError } from '../../shared/errors';

/** Values we put on the wire. Maps with integer keys must be `Map`s. */
export type CborValue = number | string | boolean | null | Uint8Array | CborValue[] | Map<number | string, CborValue> | { [key: string]: CborValue };

export function cborEncode(value: CborValue): Uint8Array {
  // cborg's default map sorter is the RFC 7049 canonical order CTAP2 requires.
  return encode(value);
}

const DECODE_OPTIONS = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowBigInt: false,
  allowInfinity: false,
  allowNaN: false,
  rejectDuplicateMapKeys: true,
  useMaps: true,
  tags: [],
} as const;

/** Decodes one complete CBOR item; anything else is a 'fido_device' error. */
export function cborDecode(bytes: Uint8Array, what = 'response'): unknown {
  try {
    return decode(bytes, DECODE_OPTIONS);
  } catch (cause) {
    throw new LatchkeyError('fido_device', `The security key sent a malformed ${what}.`, { reason: 'cbor' }, { cause });
  }
}

/** Decodes the first CBOR item and returns it with the bytes that follow (authenticator data). */
export function cborDecodeFirst(bytes: Uint8Array, what: string): [unknown, Uint8Array] {
  try {
    return decodeFirst(bytes, DECODE_OPTIONS);
  } catch (cause) {
    throw new LatchkeyError('fido_device', `The security key sent a malformed ${what}.`, { reason: 'cbor' }, { cause });
  }
}
