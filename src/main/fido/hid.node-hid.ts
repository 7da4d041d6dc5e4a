/**
 * Real security keys through node-hid (hidapi, hidraw backend on Linux). FIDO keys
 * are the HID interfaces with usage page 0xF1D0 (CTAP 2.1 §11.2.8.1). node-hid is
 * imported lazily: the app must start (and tests run) where its native module cannot
 * load; the first discovery then fails with a clear 'unsupported'.
 *
 * Windows blocks raw HID access to FIDO devices for non-admin apps; there the
 * WebAuthn-PRF backend takes over (docs/hardware-key.md).
 */
import { LatchkeyError, isLatchkeyError } from '../../shared/errors';
import { hidDeviceId } from './service';
import { HID_REPORT_SIZE, removedError, readTimeoutError, type FidoDeviceHandle, type FidoDiscovery, type FidoTransport } from './transport';

export const FIDO_USAGE_PAGE = 0xf1d0;
export const FIDO_USAGE = 0x01;

type NodeHid = typeof import('node-hid');

let loaded: Promise<NodeHid> | undefined;
function nodeHid(): Promise<NodeHid> {
  loaded ??= import('node-hid').then((m) => (m as { default?: NodeHid }).default ?? m);
  return loaded.catch((cause: unknown) => {
    loaded = undefined;
    throw new LatchkeyError('unsupported', 'USB security keys cannot be used on this system (the HID library did not load).', undefined, { cause });
  });
}

class NodeHidTransport implements FidoTransport {
  private gone = false;

  constructor(private readonly dev: import('node-hid').HIDAsync) {}

  async write(report64: Uint8Array): Promise<void> {
    if (report64.length !== HID_REPORT_SIZE) throw new LatchkeyError('internal', 'HID reports are 64 bytes.');
    if (this.gone) throw removedError();
    // hidapi wants the report id first; FIDO devices use none (0).
    const buf = Buffer.alloc(HID_REPORT_SIZE + 1);
    buf.set(report64, 1);
    try {
      await this.dev.write(buf);
    } catch (cause) {
      this.gone = true;
      throw Object.assign(removedError(), { cause });
    }
  }

  async read(timeoutMs: number): Promise<Uint8Array> {
    if (this.gone) throw removedError();
    let data: Buffer | undefined;
    try {
      data = await this.dev.read(Math.max(1, Math.floor(timeoutMs)));
    } catch (cause) {
      this.gone = true;
      throw Object.assign(removedError(), { cause });
    }
    if (!data || data.length === 0) throw readTimeoutError();
    // Some platforms deliver shorter reports; pad so framing checks see 64 bytes.
    const out = new Uint8Array(HID_REPORT_SIZE);
    out.set(data.subarray(0, HID_REPORT_SIZE));
    return out;
  }

  async close(): Promise<void> {
    this.gone = true;
    try {
      await this.dev.close();
    } catch {
      /* already closed or unplugged */
    }
  }
}

export function createNodeHidDiscovery(): FidoDiscovery {
  return {
    async list(): Promise<FidoDeviceHandle[]> {
      const hid = await nodeHid();
      const seen = new Set<string>();
      const out: FidoDeviceHandle[] = [];
      for (const d of await hid.devicesAsync()) {
        if (d.usagePage !== FIDO_USAGE_PAGE || d.usage !== FIDO_USAGE || !d.path || seen.has(d.path)) continue;
        seen.add(d.path);
        const path = d.path;
        out.push({
          id: hidDeviceId(path),
          product: d.product ?? 'Security key',
          manufacturer: d.manufacturer ?? '',
          vendorId: d.vendorId,
          productId: d.productId,
          transport: 'hid',
          async open() {
            try {
              return new NodeHidTransport(await hid.HIDAsync.open(path));
            } catch (cause) {
              if (isLatchkeyError(cause)) throw cause;
              throw new LatchkeyError('fido_removed', 'The security key could not be opened. Is another app using it? Unplug it and plug it back in.', undefined, { cause });
            }
          },
        });
      }
      return out;
    },
  };
}
