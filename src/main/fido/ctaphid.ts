/**
 * CTAPHID framing (CTAP 2.1 §11.2): a message is one init packet
 * (CID[4] | CMD|0x80 | BCNT[2] | 57 data bytes) and up to 128 continuation packets
 * (CID[4] | SEQ 0..127 | 59 data bytes), so at most 7609 bytes. A channel id comes
 * from INIT on the broadcast channel, matched by an 8-byte nonce.
 *
 * Invariants that keep a hostile or broken device from hanging or crashing us:
 * every wait has a deadline; every length, sequence number and command byte is
 * checked; packets for other channels and stale continuation packets are skipped
 * (bounded by the same deadline); any violation is LatchkeyError('fido_device').
 */
import { LatchkeyError } from '../../shared/errors';
import { HID_REPORT_SIZE, type FidoTransport } from './transport';

export const CTAPHID = {
  PING: 0x01,
  MSG: 0x03,
  INIT: 0x06,
  WINK: 0x08,
  CBOR: 0x10,
  CANCEL: 0x11,
  KEEPALIVE: 0x3b,
  ERROR: 0x3f,
} as const;
export const BROADCAST_CID = 0xffffffff;
export const INIT_DATA = HID_REPORT_SIZE - 7;
export const CONT_DATA = HID_REPORT_SIZE - 5;
export const MAX_MESSAGE = INIT_DATA + 128 * CONT_DATA;
export const CAPABILITY_CBOR = 0x04;
export const KEEPALIVE_PROCESSING = 1;
export const KEEPALIVE_UP_NEEDED = 2;
export const ERR_CHANNEL_BUSY = 0x06;

export type KeepaliveStatus = 'processing' | 'up-needed';

export interface TransactOptions {
  /** Overall deadline for the answer (a touch may take this long). */
  timeoutMs?: number;
  onKeepalive?: (status: KeepaliveStatus) => void;
  signal?: AbortSignal;
}

export interface CtapHidOptions {
  /** Default deadline of a transaction, ms. */
  timeoutMs?: number;
  /** Deadline of INIT and of a CANCEL's drain, ms. */
  shortTimeoutMs?: number;
  /** CHANNEL_BUSY retries before 'fido_busy'. */
  busyRetries?: number;
  random: (n: number) => Uint8Array;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function deviceError(message: string, reason: string): LatchkeyError {
  return new LatchkeyError('fido_device', message, { reason });
}

/** Splits one message into 64-byte reports. */
export function framePackets(cid: number, cmd: number, payload: Uint8Array): Uint8Array[] {
  if (payload.length > MAX_MESSAGE) throw new LatchkeyError('invalid_input', 'Message too large for CTAPHID.');
  const out: Uint8Array[] = [];
  const first = new Uint8Array(HID_REPORT_SIZE);
  const view = new DataView(first.buffer);
  view.setUint32(0, cid >>> 0);
  first[4] = 0x80 | cmd;
  view.setUint16(5, payload.length);
  first.set(payload.subarray(0, INIT_DATA), 7);
  out.push(first);
  for (let off = INIT_DATA, seq = 0; off < payload.length; off += CONT_DATA, seq++) {
    const p = new Uint8Array(HID_REPORT_SIZE);
    new DataView(p.buffer).setUint32(0, cid >>> 0);
    p[4] = seq;
    p.set(payload.subarray(off, off + CONT_DATA), 5);
    out.push(p);
  }
  return out;
}

export interface InitInfo {
  cid: number;
  protocolVersion: number;
  version: [number, number, number];
  capabilities: number;
}

/** One open CTAPHID channel on one device. Transactions are serialised. */
export class CtapHidDevice {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly transport: FidoTransport,
    private readonly opts: Required<CtapHidOptions>,
    readonly info: InitInfo,
  ) {}

  static async open(transport: FidoTransport, options: CtapHidOptions): Promise<CtapHidDevice> {
    const opts: Required<CtapHidOptions> = {
      timeoutMs: 30_000,
      shortTimeoutMs: 2_000,
      busyRetries: 5,
      sleep: defaultSleep,
      now: () => Date.now(),
      ...options,
    };
    const info = await initChannel(transport, opts);
    return new CtapHidDevice(transport, opts, info);
  }

  get supportsCbor(): boolean {
    return (this.info.capabilities & CAPABILITY_CBOR) !== 0;
  }

  /** Sends one CTAPHID message and returns the matching response payload. */
  transact(cmd: number, payload: Uint8Array, o: TransactOptions = {}): Promise<Uint8Array> {
    const run = this.queue.then(() => this.transactNow(cmd, payload, o));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.transport.close();
  }

  private async transactNow(cmd: number, payload: Uint8Array, o: TransactOptions): Promise<Uint8Array> {
    if (this.closed) throw new LatchkeyError('fido_removed', 'The security key connection is closed.');
    const deadline = this.opts.now() + (o.timeoutMs ?? this.opts.timeoutMs);
    for (let attempt = 0; ; attempt++) {
      if (o.signal?.aborted) throw cancelledError();
      for (const p of framePackets(this.info.cid, cmd, payload)) await this.transport.write(p);
      const res = await this.receive(cmd, deadline, o);
      if (res.kind === 'ok') return res.payload;
      // CHANNEL_BUSY: another client holds the key; back off and resend.
      if (attempt >= this.opts.busyRetries) {
        throw new LatchkeyError('fido_busy', 'The security key is busy with another app. Close it or try again.');
      }
      await this.opts.sleep(Math.min(50 * 2 ** attempt, 1_000));
    }
  }

  private async receive(cmd: number, deadline: number, o: TransactOptions): Promise<{ kind: 'ok'; payload: Uint8Array } | { kind: 'busy' }> {
    let upNeeded = false;
    let assembling: { cmd: number; data: Uint8Array; got: number; seq: number } | null = null;
    for (;;) {
      if (o.signal?.aborted) {
        await this.cancel();
        throw cancelledError();
      }
      const left = deadline - this.opts.now();
      if (left <= 0) return this.expire(upNeeded);
      let pkt: Uint8Array;
      try {
        // Short reads so a cancel is noticed within 250 ms.
        pkt = await this.transport.read(Math.min(left, 250));
      } catch (e) {
        if (e instanceof LatchkeyError && e.code === 'timeout') continue; // loop re-checks deadline and abort
        throw e;
      }
      if (pkt.length !== HID_REPORT_SIZE) throw deviceError('The security key sent a report of the wrong size.', 'report_size');
      const view = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
      if (view.getUint32(0) !== this.info.cid) continue; // another channel's traffic
      const b4 = pkt[4]!;
      if ((b4 & 0x80) === 0) {
        if (!assembling) continue; // stale continuation of an abandoned message
        if (b4 !== assembling.seq) throw deviceError('The security key sent packets out of order.', 'seq');
        const n = Math.min(CONT_DATA, assembling.data.length - assembling.got);
        assembling.data.set(pkt.subarray(5, 5 + n), assembling.got);
        assembling.got += n;
        assembling.seq++;
      } else {
        const c = b4 & 0x7f;
        const len = view.getUint16(5);
        if (assembling) throw deviceError('The security key started a new message before finishing one.', 'interleaved');
        if (c === CTAPHID.KEEPALIVE) {
          const status = pkt[7];
          if (len !== 1 || (status !== KEEPALIVE_PROCESSING && status !== KEEPALIVE_UP_NEEDED)) {
            throw deviceError('The security key sent an invalid keepalive.', 'keepalive');
          }
          upNeeded = status === KEEPALIVE_UP_NEEDED;
          o.onKeepalive?.(upNeeded ? 'up-needed' : 'processing');
          continue;
        }
        if (c === CTAPHID.ERROR) {
          if (len !== 1) throw deviceError('The security key sent an invalid error frame.', 'error_frame');
          if (pkt[7] === ERR_CHANNEL_BUSY) return { kind: 'busy' };
          throw deviceError(`The security key reported a transport error (0x${pkt[7]!.toString(16)}).`, 'ctaphid_error');
        }
        if (c !== cmd) throw deviceError('The security key answered a different command.', 'cmd');
        if (len > MAX_MESSAGE) throw deviceError('The security key announced an oversized message.', 'length');
        assembling = { cmd: c, data: new Uint8Array(len), got: 0, seq: 0 };
        const n = Math.min(INIT_DATA, len);
        assembling.data.set(pkt.subarray(7, 7 + n));
        assembling.got = n;
      }
      if (assembling.got === assembling.data.length) return { kind: 'ok', payload: assembling.data };
      if (assembling.seq > 127) throw deviceError('The security key sent too many packets.', 'seq');
    }
  }

  private async expire(upNeeded: boolean): Promise<never> {
    await this.cancel();
    if (upNeeded) throw new LatchkeyError('fido_no_touch', 'The security key was not touched in time. Try again and touch it when it blinks.');
    throw new LatchkeyError('timeout', 'The security key did not answer in time.');
  }

  /** CTAPHID_CANCEL, then drain the cancelled request's answer so it cannot be taken for the next one. */
  private async cancel(): Promise<void> {
    try {
      const [p] = framePackets(this.info.cid, CTAPHID.CANCEL, new Uint8Array(0));
      await this.transport.write(p!);
      const until = this.opts.now() + this.opts.shortTimeoutMs;
      for (;;) {
        const left = until - this.opts.now();
        if (left <= 0) return;
        const pkt = await this.transport.read(left);
        if (pkt.length === HID_REPORT_SIZE && new DataView(pkt.buffer, pkt.byteOffset).getUint32(0) === this.info.cid) {
          const c = pkt[4]!;
          if (c === (0x80 | CTAPHID.CBOR) || c === (0x80 | CTAPHID.ERROR)) return;
        }
      }
    } catch {
      /* best effort: the caller's error is what matters */
    }
  }
}

function cancelledError(): LatchkeyError {
  return new LatchkeyError('cancelled', 'The security key operation was cancelled.');
}

async function initChannel(transport: FidoTransport, opts: Required<CtapHidOptions>): Promise<InitInfo> {
  const nonce = opts.random(8);
  for (const p of framePackets(BROADCAST_CID, CTAPHID.INIT, nonce)) await transport.write(p);
  const deadline = opts.now() + opts.shortTimeoutMs;
  for (;;) {
    const left = deadline - opts.now();
    if (left <= 0) throw new LatchkeyError('timeout', 'The security key did not answer. Unplug it, plug it back in and try again.');
    const pkt = await transport.read(left);
    if (pkt.length !== HID_REPORT_SIZE) throw deviceError('The security key sent a report of the wrong size.', 'report_size');
    const view = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
    // Responses to other clients' INITs carry other nonces; skip them (§11.2.9.1.3).
    if (view.getUint32(0) !== BROADCAST_CID || pkt[4] !== (0x80 | CTAPHID.INIT)) continue;
    if (!pkt.subarray(7, 15).every((b, i) => b === nonce[i])) continue;
    if (view.getUint16(5) < 17) throw deviceError('The security key sent a short INIT answer.', 'init');
    const cid = view.getUint32(15);
    if (cid === 0 || cid === BROADCAST_CID) throw deviceError('The security key assigned an invalid channel.', 'init');
    return { cid, protocolVersion: pkt[19]!, version: [pkt[20]!, pkt[21]!, pkt[22]!], capabilities: pkt[23]! };
  }
}
