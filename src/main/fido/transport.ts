/**
 * The byte pipe under CTAPHID: one 64-byte HID report per write/read. The node-hid
 * adapter (hid.node-hid.ts) is the real one; tests put a software authenticator
 * behind the same interface. Implementations:
 * - `read` resolves with exactly one 64-byte report, rejects with
 *   LatchkeyError('timeout') after `timeoutMs` without one, and with
 *   LatchkeyError('fido_removed') once the device is gone. A read that timed out
 *   must not consume a later report (CTAPHID polls with short reads).
 * - `write` takes a 64-byte report WITHOUT the HID report-id byte (adapters that need
 *   one add it).
 */
import { LatchkeyError } from '../../shared/errors';

export const HID_REPORT_SIZE = 64;

export interface FidoTransport {
  write(report64: Uint8Array): Promise<void>;
  read(timeoutMs: number): Promise<Uint8Array>;
  close(): void | Promise<void>;
}

/** One plugged-in key as discovery reports it, with a way to open it. */
export interface FidoDeviceHandle {
  readonly id: string;
  readonly product: string;
  readonly manufacturer: string;
  readonly vendorId?: number;
  readonly productId?: number;
  readonly transport: 'hid' | 'software';
  open(): Promise<FidoTransport>;
}

/** Lists keys now plugged in (node-hid discovery, or a test's software keys). */
export interface FidoDiscovery {
  list(): Promise<FidoDeviceHandle[]>;
}

export function removedError(): LatchkeyError {
  return new LatchkeyError('fido_removed', 'The security key was removed. Plug it back in and try again.');
}

export function readTimeoutError(): LatchkeyError {
  return new LatchkeyError('timeout', 'The security key did not answer in time.');
}
