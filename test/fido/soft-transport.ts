/**
 * Puts a software authenticator behind the client's FidoTransport, with the faults a
 * real key shows: unplugging (pending and later reads fail 'fido_removed'), and a
 * hook to rewrite or drop outgoing reports (hostile-device tests).
 */
import { LatchkeyError } from '../../src/shared/errors';
import { removedError, type FidoDeviceHandle, type FidoDiscovery, type FidoTransport } from '../../src/main/fido/transport';
import { SoftAuthenticator, type SoftAuthenticatorOptions } from './soft-authenticator';
import { SoftCtapHid } from './soft-ctaphid';

export class SoftTransport implements FidoTransport {
  private readonly queue: Uint8Array[] = [];
  private waiter: { resolve(r: Uint8Array): void; reject(e: unknown): void; timer: ReturnType<typeof setTimeout> } | null = null;
  private removed = false;
  /** Rewrites each report the device sends (return null to drop it). */
  tamper: ((r: Uint8Array) => Uint8Array | null) | null = null;

  constructor(readonly device: SoftCtapHid) {
    device.onReport = (r) => this.deliver(r);
  }

  private deliver(r: Uint8Array): void {
    if (this.removed) return;
    const out = this.tamper ? this.tamper(r) : r;
    if (!out) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      clearTimeout(w.timer);
      w.resolve(out);
    } else {
      this.queue.push(out);
    }
  }

  async write(report64: Uint8Array): Promise<void> {
    if (this.removed) throw removedError();
    this.device.receive(report64.slice());
  }

  read(timeoutMs: number): Promise<Uint8Array> {
    if (this.removed) return Promise.reject(removedError());
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.waiter = null;
          reject(new LatchkeyError('timeout', 'read timed out'));
        },
        Math.max(0, timeoutMs),
      );
      this.waiter = { resolve, reject, timer };
    });
  }

  /** The key is pulled out: everything fails from now on. */
  unplug(): void {
    this.removed = true;
    if (this.waiter) {
      clearTimeout(this.waiter.timer);
      this.waiter.reject(removedError());
      this.waiter = null;
    }
  }

  close(): void {
    if (this.waiter) {
      clearTimeout(this.waiter.timer);
      this.waiter.reject(removedError());
      this.waiter = null;
    }
  }
}

export interface SoftKey {
  authenticator: SoftAuthenticator;
  handle: FidoDeviceHandle;
  /** Transports opened so far (the last is the live one). */
  transports: SoftTransport[];
  unplug(): void;
  replug(): void;
  readonly plugged: boolean;
}

/** A plugged-in software key; every open() is a fresh connection to the same authenticator. */
export function softKey(id: string, o: SoftAuthenticatorOptions & { keepaliveMs?: number }): SoftKey {
  const authenticator = new SoftAuthenticator(o);
  const transports: SoftTransport[] = [];
  let plugged = true;
  const handle: FidoDeviceHandle = {
    id,
    product: `Soft Key ${id}`,
    manufacturer: 'Latchkey tests',
    transport: 'software',
    async open() {
      if (!plugged) throw removedError();
      const t = new SoftTransport(new SoftCtapHid(authenticator, { random: o.random, ...(o.keepaliveMs ? { keepaliveMs: o.keepaliveMs } : {}) }));
      transports.push(t);
      return t;
    },
  };
  return {
    authenticator,
    handle,
    transports,
    unplug() {
      plugged = false;
      for (const t of transports) t.unplug();
      authenticator.powerCycle();
    },
    replug() {
      plugged = true;
    },
    get plugged() {
      return plugged;
    },
  };
}

/** Discovery over a mutable list of software keys. */
export function softDiscovery(keys: SoftKey[]): FidoDiscovery & { keys: SoftKey[] } {
  return { keys, list: async () => keys.filter((k) => k.plugged).map((k) => k.handle) };
}
