/**
 * Typed errors shared by every process. An error that crosses a boundary (RPC,
 * MCP result, HTTP body) travels as {@link SerializedError}: a stable code a program
 * can branch on and a message a person can act on. Messages must never contain a
 * secret, token, PIN or key material.
 */
import { z } from 'zod';

export const ERROR_CODES = [
  // generic
  'invalid_input',
  'not_found',
  'conflict',
  'timeout',
  'cancelled',
  'internal',
  'unsupported',
  'rate_limited',
  'forbidden',
  'unauthorized',
  // vault
  'vault_locked',
  'vault_exists',
  'no_vault',
  'wrong_password',
  'wrong_recovery_code',
  'integrity',
  'last_slot',
  'kdf_too_weak',
  'kdf_too_costly',
  // rpc
  'rpc_malformed',
  'rpc_unknown_method',
  'rpc_closed',
  // hardware key
  'fido_pin_invalid',
  'fido_pin_blocked',
  'fido_pin_required',
  'fido_not_enrolled',
  'fido_no_touch',
  'fido_removed',
  'fido_no_hmac_secret',
  'fido_device',
  'fido_busy',
  // gateway
  'grant_denied',
  'destination_refused',
  'approval_denied',
  'approval_timeout',
  // a high-risk credential's use was not approved by a touch of an enrolled security key
  'touch_required',
  // the request sent is not the one approved, or its receipt was used already
  'receipt_refused',
  /** A use beyond its grant's budget, refused by policy (budgets.onExceeded: refuse). */
  'budget_exceeded',
  'upstream_failed',
  // audit: the signed record of a use could not be written, so the use did not happen
  'audit_unavailable',
  // sync / server
  'stale_request',
  'replayed_request',
  'rollback_detected',
  'fork_detected',
  'device_revoked',
  // the organisation turned this person's access off (SCIM deactivation)
  'access_disabled',
  'audit_rejected',
  // policy
  'policy_invalid',
  'policy_forbidden',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const serializedErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string().max(2000),
  /** Non-secret context: an item id, a field name, retries left. */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type SerializedError = z.infer<typeof serializedErrorSchema>;

export type ErrorDetails = NonNullable<SerializedError['details']>;

export class LatchkeyError extends Error {
  override readonly name = 'LatchkeyError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): SerializedError {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }

  static from(value: SerializedError): LatchkeyError {
    return new LatchkeyError(value.code, value.message, value.details);
  }
}

export function isLatchkeyError(value: unknown, code?: ErrorCode): value is LatchkeyError {
  return value instanceof LatchkeyError && (code === undefined || value.code === code);
}

/**
 * Turns anything thrown into something safe to send across a boundary. Unknown
 * errors become `internal` with a generic message: their text may quote input
 * (and so a secret), so it is not forwarded.
 */
export function toSerializedError(err: unknown): SerializedError {
  if (err instanceof LatchkeyError) return err.toJSON();
  return { code: 'internal', message: 'An internal error occurred.' };
}
