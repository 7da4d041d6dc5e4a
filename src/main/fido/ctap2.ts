/**
 * CTAP2 commands over a CTAPHID channel (CTAP 2.1 §6): one status byte, then a CBOR
 * map. Status codes become errors a person can act on; anything unexpected is
 * 'fido_device' with the status in details (never device bytes in a message).
 */
import { LatchkeyError } from '../../shared/errors';
import { cborEncode, type CborValue } from './cbor';
import { getInfoSchema, parseCbor, type GetInfo } from './ctap2-schema';
import { CTAPHID, type CtapHidDevice, type TransactOptions } from './ctaphid';

export const CMD = {
  makeCredential: 0x01,
  getAssertion: 0x02,
  getInfo: 0x04,
  clientPin: 0x06,
  reset: 0x07,
  selection: 0x0b,
} as const;

export const STATUS = {
  OK: 0x00,
  INVALID_COMMAND: 0x01,
  INVALID_PARAMETER: 0x02,
  INVALID_LENGTH: 0x03,
  CHANNEL_BUSY: 0x06,
  INVALID_CBOR: 0x12,
  MISSING_PARAMETER: 0x14,
  CREDENTIAL_EXCLUDED: 0x19,
  UNSUPPORTED_ALGORITHM: 0x26,
  OPERATION_DENIED: 0x27,
  UNSUPPORTED_EXTENSION: 0x2a,
  UNSUPPORTED_OPTION: 0x2b,
  INVALID_OPTION: 0x2c,
  KEEPALIVE_CANCEL: 0x2d,
  NO_CREDENTIALS: 0x2e,
  USER_ACTION_TIMEOUT: 0x2f,
  NOT_ALLOWED: 0x30,
  PIN_INVALID: 0x31,
  PIN_BLOCKED: 0x32,
  PIN_AUTH_INVALID: 0x33,
  PIN_AUTH_BLOCKED: 0x34,
  PIN_NOT_SET: 0x35,
  PUAT_REQUIRED: 0x36,
  PIN_POLICY_VIOLATION: 0x37,
  UP_REQUIRED: 0x3c,
  UV_BLOCKED: 0x3d,
  UV_INVALID: 0x3f,
  UNAUTHORIZED_PERMISSION: 0x40,
} as const;

/** Raised for a non-OK status so callers can branch on it before it becomes a LatchkeyError. */
export class CtapStatusError extends LatchkeyError {
  constructor(readonly status: number) {
    const [code, message] = describeStatus(status);
    super(code, message, { status });
  }
}

function describeStatus(s: number): [LatchkeyError['code'], string] {
  switch (s) {
    case STATUS.PIN_INVALID:
      return ['fido_pin_invalid', 'Wrong PIN for the security key.'];
    case STATUS.PIN_BLOCKED:
      return ['fido_pin_blocked', 'The security key PIN is blocked after too many wrong tries. The key must be reset, which erases its credentials.'];
    case STATUS.PIN_AUTH_BLOCKED:
      return ['fido_pin_blocked', 'Too many wrong PINs in a row: unplug the security key, plug it back in and try again.'];
    case STATUS.UV_BLOCKED:
      return ['fido_pin_blocked', 'Fingerprint verification is blocked on this key; use its PIN.'];
    case STATUS.PIN_NOT_SET:
    case STATUS.PUAT_REQUIRED:
      return ['fido_pin_required', 'This security key needs a PIN for this. Set one on the key first.'];
    case STATUS.PIN_POLICY_VIOLATION:
      return ['invalid_input', 'The security key refused that PIN (too short or too simple).'];
    case STATUS.NO_CREDENTIALS:
      return ['fido_not_enrolled', 'This security key is not enrolled in this vault. Try another key.'];
    case STATUS.CREDENTIAL_EXCLUDED:
      return ['conflict', 'This security key is already enrolled in this vault.'];
    case STATUS.USER_ACTION_TIMEOUT:
    case STATUS.UP_REQUIRED:
      return ['fido_no_touch', 'The security key was not touched in time. Try again and touch it when it blinks.'];
    case STATUS.OPERATION_DENIED:
    case STATUS.NOT_ALLOWED:
      return ['cancelled', 'The security key refused the request (cancelled on the key).'];
    case STATUS.KEEPALIVE_CANCEL:
      return ['cancelled', 'The security key operation was cancelled.'];
    case STATUS.UNSUPPORTED_EXTENSION:
      return ['fido_no_hmac_secret', 'This security key does not support the hmac-secret extension Latchkey needs.'];
    case STATUS.UNSUPPORTED_ALGORITHM:
    case STATUS.UNSUPPORTED_OPTION:
      return ['unsupported', 'The security key does not support what Latchkey asked for.'];
    case STATUS.CHANNEL_BUSY:
      return ['fido_busy', 'The security key is busy with another app. Close it or try again.'];
    default:
      return ['fido_device', `The security key reported an error (0x${s.toString(16).padStart(2, '0')}).`];
  }
}

export class Ctap2Client {
  private info: GetInfo | undefined;

  constructor(readonly hid: CtapHidDevice) {}

  /** Sends one CTAP2 command; returns the CBOR body of an OK answer (may be empty). */
  async call(command: number, params: Map<number, CborValue> | null, o: TransactOptions = {}): Promise<Uint8Array> {
    if (!this.hid.supportsCbor) throw new LatchkeyError('unsupported', 'This security key speaks only U2F (FIDO1); Latchkey needs a FIDO2 key.');
    const body = params ? cborEncode(params) : new Uint8Array(0);
    const req = new Uint8Array(1 + body.length);
    req[0] = command;
    req.set(body, 1);
    const res = await this.hid.transact(CTAPHID.CBOR, req, o);
    if (res.length === 0) throw new LatchkeyError('fido_device', 'The security key sent an empty answer.', { reason: 'empty' });
    if (res[0] !== STATUS.OK) throw new CtapStatusError(res[0]!);
    return res.subarray(1);
  }

  async getInfo(refresh = false): Promise<GetInfo> {
    if (this.info && !refresh) return this.info;
    const body = await this.call(CMD.getInfo, null, { timeoutMs: 5_000 });
    this.info = parseCbor(getInfoSchema, body, 'getInfo answer');
    return this.info;
  }
}

export interface KeyCapabilities {
  hmacSecret: boolean;
  credProtect: boolean;
  /** true = PIN set, false = supported but unset, null = no PIN support. */
  clientPin: boolean | null;
  uv: boolean | null;
  /** PIN/UV auth token with permissions (getPinUvAuthTokenUsingPinWithPermissions). */
  pinUvAuthToken: boolean;
  /** Our preference order: protocol 2 first. */
  pinProtocols: number[];
}

export function capabilities(info: GetInfo): KeyCapabilities {
  const opt = info['4'] ?? {};
  const ext = info['2'] ?? [];
  const offered = info['6'] ?? (opt.clientPin === undefined ? [] : [1]);
  return {
    hmacSecret: ext.includes('hmac-secret'),
    credProtect: ext.includes('credProtect'),
    clientPin: opt.clientPin ?? null,
    uv: opt.uv ?? null,
    pinUvAuthToken: opt.pinUvAuthToken === true,
    pinProtocols: [2, 1].filter((v) => offered.includes(v)),
  };
}

export function aaguidText(b: Uint8Array): string {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
