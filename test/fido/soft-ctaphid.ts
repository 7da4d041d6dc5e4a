/**
 * Device side of CTAPHID for the software authenticator: channel allocation by INIT,
 * message assembly with sequence/length checks, PING, CBOR with KEEPALIVE while it
 * works or waits for a touch, CANCEL, CHANNEL_BUSY for a second channel, ERROR
 * frames. Reports go out through `onReport`; a transport (soft-transport.ts) or the
 * UDP listener (udp-listener.ts) carries them.
 */
import { framePackets, CONT_DATA, INIT_DATA, MAX_MESSAGE } from '../../src/main/fido/ctaphid';
import type { SoftAuthenticator } from './soft-authenticator';

const ERR = { INVALID_CMD: 0x01, INVALID_PAR: 0x02, INVALID_LEN: 0x03, INVALID_SEQ: 0x04, CHANNEL_BUSY: 0x06, INVALID_CHANNEL: 0x0b } as const;
const BROADCAST = 0xffffffff;

interface Assembly {
  cid: number;
  cmd: number;
  data: Uint8Array;
  got: number;
  seq: number;
}

export interface SoftCtapHidOptions {
  random: (n: number) => Uint8Array;
  keepaliveMs?: number;
}

export class SoftCtapHid {
  onReport: (report: Uint8Array) => void = () => {};
  private readonly channels = new Set<number>();
  private assembly: Assembly | null = null;
  private busy: { cid: number; cancelled: boolean } | null = null;
  private readonly keepaliveMs: number;

  constructor(
    readonly authenticator: SoftAuthenticator,
    private readonly o: SoftCtapHidOptions,
  ) {
    this.keepaliveMs = o.keepaliveMs ?? 20;
  }

  private send(cid: number, cmd: number, payload: Uint8Array): void {
    for (const p of framePackets(cid, cmd, payload)) this.onReport(p);
  }

  private error(cid: number, code: number): void {
    this.send(cid, 0x3f, new Uint8Array([code]));
  }

  /** One 64-byte report from the host. */
  receive(report: Uint8Array): void {
    if (report.length !== 64) return;
    const view = new DataView(report.buffer, report.byteOffset, 64);
    const cid = view.getUint32(0);
    const b4 = report[4]!;
    if (b4 & 0x80) {
      const cmd = b4 & 0x7f;
      const len = view.getUint16(5);
      if (cmd === 0x11) {
        // CANCEL: no answer of its own; the running CBOR request ends with KEEPALIVE_CANCEL.
        if (this.busy && this.busy.cid === cid) this.busy.cancelled = true;
        return;
      }
      if (cmd === 0x06) {
        this.assembly = null;
        if (len !== 8) return this.error(cid, ERR.INVALID_LEN);
        this.init(cid, report.slice(7, 15));
        return;
      }
      if (cid === 0 || cid === BROADCAST || !this.channels.has(cid)) return this.error(cid, ERR.INVALID_CHANNEL);
      if (this.busy && this.busy.cid !== cid) return this.error(cid, ERR.CHANNEL_BUSY);
      if (len > MAX_MESSAGE) return this.error(cid, ERR.INVALID_LEN);
      this.assembly = { cid, cmd, data: new Uint8Array(len), got: 0, seq: 0 };
      const n = Math.min(INIT_DATA, len);
      this.assembly.data.set(report.subarray(7, 7 + n));
      this.assembly.got = n;
    } else {
      const a = this.assembly;
      if (!a || a.cid !== cid) return;
      if (b4 !== a.seq) {
        this.assembly = null;
        return this.error(cid, ERR.INVALID_SEQ);
      }
      const n = Math.min(CONT_DATA, a.data.length - a.got);
      a.data.set(report.subarray(5, 5 + n), a.got);
      a.got += n;
      a.seq++;
    }
    const a = this.assembly!;
    if (a.got === a.data.length) {
      this.assembly = null;
      void this.dispatch(a.cid, a.cmd, a.data);
    }
  }

  private init(cid: number, nonce: Uint8Array): void {
    let newCid = cid;
    if (cid === BROADCAST) {
      do newCid = new DataView(this.o.random(4).buffer).getUint32(0);
      while (newCid === 0 || newCid === BROADCAST || this.channels.has(newCid));
      this.channels.add(newCid);
    }
    const out = new Uint8Array(17);
    out.set(nonce);
    new DataView(out.buffer).setUint32(8, newCid);
    out[12] = 2; // CTAPHID protocol version
    out.set([5, 4, 0], 13); // device version
    out[16] = 0x01 | 0x04 | 0x08; // WINK | CBOR | NMSG
    this.send(cid, 0x06, out);
  }

  private async dispatch(cid: number, cmd: number, data: Uint8Array): Promise<void> {
    if (cmd === 0x01) return this.send(cid, 0x01, data);
    if (cmd === 0x08) return this.send(cid, 0x08, new Uint8Array(0));
    if (cmd !== 0x10) return this.error(cid, ERR.INVALID_CMD);
    const job = { cid, cancelled: false };
    this.busy = job;
    let status: 'processing' | 'up-needed' = 'processing';
    const timer = setInterval(() => this.send(cid, 0x3b, new Uint8Array([status === 'up-needed' ? 2 : 1])), this.keepaliveMs);
    try {
      const res = await this.authenticator.handle(data, {
        status: (s) => {
          status = s;
        },
        cancelled: () => job.cancelled,
      });
      clearInterval(timer);
      this.send(cid, 0x10, res);
    } finally {
      clearInterval(timer);
      if (this.busy === job) this.busy = null;
    }
  }
}
