/**
 * CTAPHID framing against the software key's device side and a scripted device:
 * messages up to the 7609-byte maximum survive the split into 129 packets, bigger
 * ones are refused before sending; CHANNEL_BUSY is retried with backoff and then
 * reported as 'fido_busy'; out-of-order continuation packets and other channels'
 * traffic are handled.
 */
import { describe, expect, it } from 'vitest';
import { LatchkeyError } from '../../../src/shared/errors';
import { CTAPHID, CtapHidDevice, framePackets, MAX_MESSAGE } from '../../../src/main/fido/ctaphid';
import type { FidoTransport } from '../../../src/main/fido/transport';
import { expectCode, makeKey, random } from './helpers';

const CID = 0x0a0b0c0d;

/** INIT answered; each later request answered by the next entry of `answers`. */
class Scripted implements FidoTransport {
  queue: Uint8Array[] = [];
  requests = 0;
  constructor(private readonly answers: Array<(cid: number) => Uint8Array[]>) {}
  async write(r: Uint8Array): Promise<void> {
    if (r[4] === 0x86) {
      const p = new Uint8Array(17);
      p.set(r.subarray(7, 15));
      new DataView(p.buffer).setUint32(8, CID);
      p[16] = 0x04;
      this.queue.push(...framePackets(0xffffffff, CTAPHID.INIT, p));
    } else if (r[4]! & 0x80) {
      const a = this.answers[this.requests++];
      if (a) this.queue.push(...a(CID));
    }
  }
  async read(): Promise<Uint8Array> {
    const n = this.queue.shift();
    if (!n) throw new LatchkeyError('timeout', 'no data');
    return n;
  }
  close(): void {}
}

const busy = (cid: number) => framePackets(cid, CTAPHID.ERROR, new Uint8Array([0x06]));
const pong = (cid: number) => framePackets(cid, CTAPHID.PING, new Uint8Array([1, 2, 3]));

describe('CTAPHID framing', () => {
  it('a maximum-size message survives the round trip through the device side; one byte more is refused', async () => {
    const key = makeKey('f');
    const hid = await CtapHidDevice.open(await key.handle.open(), { random });
    const big = random(MAX_MESSAGE);
    expect(await hid.transact(CTAPHID.PING, big)).toEqual(big);
    expect(framePackets(1, CTAPHID.PING, big)).toHaveLength(129);
    await expectCode(hid.transact(CTAPHID.PING, random(MAX_MESSAGE + 1)), 'invalid_input');
  });

  it('CHANNEL_BUSY is retried with growing backoff, then succeeds', async () => {
    const sleeps: number[] = [];
    const dev = new Scripted([busy, busy, pong]);
    const hid = await CtapHidDevice.open(dev, { random, sleep: async (ms) => void sleeps.push(ms) });
    expect(await hid.transact(CTAPHID.PING, new Uint8Array([1, 2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
    expect(sleeps).toEqual([50, 100]);
  });

  it('a key that stays busy gives fido_busy', async () => {
    const dev = new Scripted(Array.from({ length: 10 }, () => busy));
    const hid = await CtapHidDevice.open(dev, { random, sleep: async () => {}, busyRetries: 3 });
    await expectCode(hid.transact(CTAPHID.PING, new Uint8Array([1])), 'fido_busy');
  });

  it('out-of-order continuation packets are a device error; other channels are skipped', async () => {
    const outOfOrder = (cid: number) => {
      const ps = framePackets(cid, CTAPHID.PING, random(200));
      return [ps[0]!, ps[2]!, ps[1]!, ps[3]!];
    };
    const hid = await CtapHidDevice.open(new Scripted([outOfOrder]), { random, timeoutMs: 1_000 });
    await expectCode(hid.transact(CTAPHID.PING, random(200)), 'fido_device');

    const noisy = (cid: number) => [...framePackets(0x11111111, CTAPHID.PING, random(100)), ...pong(cid)];
    const hid2 = await CtapHidDevice.open(new Scripted([noisy]), { random, timeoutMs: 1_000 });
    expect(await hid2.transact(CTAPHID.PING, new Uint8Array([1, 2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('an INIT answer with the wrong nonce is ignored (another client’s), and the channel id must be valid', async () => {
    class BadInit extends Scripted {
      override async write(r: Uint8Array): Promise<void> {
        const p = new Uint8Array(17);
        p.set(random(8));
        new DataView(p.buffer).setUint32(8, 5);
        this.queue.push(...framePackets(0xffffffff, CTAPHID.INIT, p));
        const q = new Uint8Array(17);
        q.set(r.subarray(7, 15));
        new DataView(q.buffer).setUint32(8, 0xffffffff);
        this.queue.push(...framePackets(0xffffffff, CTAPHID.INIT, q));
      }
    }
    await expectCode(CtapHidDevice.open(new BadInit([]), { random }), 'fido_device');
  });
});
