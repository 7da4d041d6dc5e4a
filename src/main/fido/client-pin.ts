/**
 * authenticatorClientPIN (CTAP 2.1 §6.5): retries, key agreement, setPIN, and PIN
 * tokens (with permissions when the key offers pinUvAuthToken, else the 2.0
 * getPinToken). The PIN leaves this module only encrypted under the ECDH secret;
 * every buffer that held it or a secret derived from it is wiped.
 */
import { LatchkeyError } from '../../shared/errors';
import type { CborValue } from './cbor';
import { CMD, type Ctap2Client } from './ctap2';
import { clientPinResponseSchema, parseCbor } from './ctap2-schema';
import { agree, paddedPin, pinHash16, pointFromCoords, type Agreement, type PinProtocol } from './pin-protocol';

export const SUB = {
  getPinRetries: 0x01,
  getKeyAgreement: 0x02,
  setPin: 0x03,
  getPinToken: 0x05,
  getPinUvAuthTokenUsingPinWithPermissions: 0x09,
} as const;

export const PERMISSION = { makeCredential: 0x01, getAssertion: 0x02 } as const;

type Random = (n: number) => Uint8Array;

function req(proto: PinProtocol, sub: number, extra: Array<[number, CborValue]> = []): Map<number, CborValue> {
  return new Map<number, CborValue>([[1, proto.version], [2, sub], ...extra]);
}

export async function getPinRetries(client: Ctap2Client, proto: PinProtocol): Promise<number> {
  const body = await client.call(CMD.clientPin, req(proto, SUB.getPinRetries), { timeoutMs: 5_000 });
  const r = parseCbor(clientPinResponseSchema, body, 'PIN retries answer');
  if (r['3'] === undefined) throw new LatchkeyError('fido_device', 'The security key did not say how many PIN tries are left.', { reason: 'schema' });
  return r['3'];
}

/** ECDH with the key's current key-agreement key. */
export async function keyAgreement(client: Ctap2Client, proto: PinProtocol, random: Random): Promise<Agreement> {
  const body = await client.call(CMD.clientPin, req(proto, SUB.getKeyAgreement), { timeoutMs: 5_000 });
  const r = parseCbor(clientPinResponseSchema, body, 'key agreement answer');
  const k = r['1'];
  if (!k) throw new LatchkeyError('fido_device', 'The security key sent no key-agreement key.', { reason: 'schema' });
  return agree(proto, pointFromCoords(k['-2'], k['-3']), random);
}

export async function setPin(client: Ctap2Client, proto: PinProtocol, pin: string, random: Random): Promise<void> {
  const a = await keyAgreement(client, proto, random);
  const padded = paddedPin(pin);
  try {
    const newPinEnc = proto.encrypt(a.shared, padded, random);
    const auth = proto.authenticate(a.shared, newPinEnc);
    await client.call(
      CMD.clientPin,
      req(proto, SUB.setPin, [
        [3, a.platformKey],
        [4, auth],
        [5, newPinEnc],
      ]),
      { timeoutMs: 10_000 },
    );
  } finally {
    padded.fill(0);
    a.shared.fill(0);
  }
}

/**
 * A PIN token for `permissions` on `rpId` (pinUvAuthToken keys) or a 2.0 PIN token.
 * Wrong PIN -> 'fido_pin_invalid' (the caller adds retries left). Caller wipes the token.
 */
export async function getPinToken(
  client: Ctap2Client,
  proto: PinProtocol,
  pin: string,
  o: { permissions: number; rpId: string; withPermissions: boolean },
  random: Random,
): Promise<Uint8Array> {
  const a = await keyAgreement(client, proto, random);
  const hash = pinHash16(pin);
  try {
    const pinHashEnc = proto.encrypt(a.shared, hash, random);
    const params = o.withPermissions
      ? req(proto, SUB.getPinUvAuthTokenUsingPinWithPermissions, [
          [3, a.platformKey],
          [6, pinHashEnc],
          [9, o.permissions],
          [10, o.rpId],
        ])
      : req(proto, SUB.getPinToken, [
          [3, a.platformKey],
          [6, pinHashEnc],
        ]);
    const body = await client.call(CMD.clientPin, params, { timeoutMs: 10_000 });
    const r = parseCbor(clientPinResponseSchema, body, 'PIN token answer');
    if (!r['2']) throw new LatchkeyError('fido_device', 'The security key sent no PIN token.', { reason: 'schema' });
    const token = proto.decrypt(a.shared, r['2']);
    // v1 tokens are 16 or 32 bytes; v2 tokens are 32 (CTAP 2.1 §6.5.2).
    if (token.length !== 32 && !(proto.version === 1 && token.length === 16)) {
      token.fill(0);
      throw new LatchkeyError('fido_device', 'The security key sent a PIN token of the wrong size.', { reason: 'token' });
    }
    return token;
  } finally {
    hash.fill(0);
    a.shared.fill(0);
  }
}
