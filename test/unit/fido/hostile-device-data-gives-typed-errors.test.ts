/**
 * A malformed or hostile device must never crash, hang or confuse the client: for
 * thousands of generated frame sequences and CBOR bodies, every operation settles,
 * and every failure is a LatchkeyError (never a TypeError, RangeError or a raw cborg
 * error). A fake clock makes deadlines pass without real waiting.
 */
import fc from 'fast-check';
import { encode } from 'cborg';
import { describe, expect, it } from 'vitest';
import { LatchkeyError } from '../../../src/shared/errors';
import { cborDecode } from '../../../src/main/fido/cbor';
import { CMD, Ctap2Client } from '../../../src/main/fido/ctap2';
import { clientPinResponseSchema, getAssertionResponseSchema, getInfoSchema, parseAuthData, parseCbor } from '../../../src/main/fido/ctap2-schema';
import { CtapHidDevice, framePackets } from '../../../src/main/fido/ctaphid';
import type { FidoTransport } from '../../../src/main/fido/transport';
import { random } from './helpers';

const CID = 0x01020304;

/** Answers INIT properly, then plays `script` as the answer to the first CBOR request. */
class ScriptedDevice implements FidoTransport {
  private queue: Uint8Array[] = [];
  private played = false;
  t = 0;
  constructor(private readonly script: Uint8Array[]) {}
  now = (): number => this.t;
  async write(r: Uint8Array): Promise<void> {
    if (r[4] === 0x86) {
      const payload = new Uint8Array(17);
      payload.set(r.subarray(7, 15));
      new DataView(payload.buffer).setUint32(8, CID);
      payload[16] = 0x04;
      this.queue.push(...framePackets(0xffffffff, 0x06, payload));
    } else if (r[4] === 0x90 && !this.played) {
      this.played = true;
      this.queue.push(...this.script);
    }
  }
  async read(timeoutMs: number): Promise<Uint8Array> {
    const next = this.queue.shift();
    if (next) return next;
    this.t += timeoutMs; // time passes instantly
    throw new LatchkeyError('timeout', 'read timed out');
  }
  close(): void {}
}

function report(cid: number, b4: number, rest: Uint8Array): Uint8Array {
  const r = new Uint8Array(64);
  new DataView(r.buffer).setUint32(0, cid);
  r[4] = b4;
  r.set(rest.subarray(0, 59), 5);
  return r;
}

const rest = fc.uint8Array({ minLength: 0, maxLength: 59 });
const frame = fc.oneof(
  fc.uint8Array({ minLength: 64, maxLength: 64 }),
  fc.uint8Array({ minLength: 0, maxLength: 80 }), // wrong report sizes
  rest.map((b) => report(CID, 0x90, b)), // CBOR init frame, random length and body
  fc.tuple(fc.integer({ min: 0, max: 255 }), rest).map(([b4, b]) => report(CID, b4, b)), // any command / seq byte
  fc.integer({ min: 0, max: 255 }).map((s) => report(CID, 0xbb, new Uint8Array([0, 1, s]))), // keepalive
  fc.integer({ min: 0, max: 255 }).map((e) => report(CID, 0xbf, new Uint8Array([0, 1, e]))), // error frame
  fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 255 }), rest).map(([c, b4, b]) => report(c, b4, b)),
);

/** A well-framed CBOR answer: status byte + body. */
function answer(body: Uint8Array, status = 0): Uint8Array[] {
  const payload = new Uint8Array(1 + body.length);
  payload[0] = status;
  payload.set(body, 1);
  return framePackets(CID, 0x10, payload);
}

async function settle(script: Uint8Array[], run: (c: Ctap2Client) => Promise<unknown>): Promise<void> {
  const dev = new ScriptedDevice(script);
  try {
    const hid = await CtapHidDevice.open(dev, { random, now: dev.now, sleep: async () => {}, shortTimeoutMs: 100, timeoutMs: 2_000 });
    await run(new Ctap2Client(hid));
  } catch (e) {
    if (!(e instanceof LatchkeyError)) throw new Error(`untyped error: ${String(e)}`);
  }
}

/** CBOR-shaped junk: nested maps with integer and text keys, like CTAP responses. */
const cborish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 8 }),
    fc.uint8Array({ maxLength: 80 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(fc.oneof(fc.integer({ min: -5, max: 12 }), fc.string({ maxLength: 4 })), tie('value')), { maxLength: 6 }).map((es) => new Map(es)),
  ),
})).value;

describe('hostile device data', () => {
  it('random frame sequences: every getInfo settles with a result or a LatchkeyError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { maxLength: 24 }), (script) => settle(script, (c) => c.getInfo())),
      { numRuns: 2_000 },
    );
  });

  it('random CBOR bodies behind valid framing: getInfo and assertion parsing give typed errors', async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      cborish.map((v) => {
        try {
          return encode(v);
        } catch {
          return new Uint8Array([0xff]);
        }
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.integer({ min: 0, max: 255 }), async (b, status) => {
        await settle(answer(b, status % 4 === 0 ? 0 : status), (c) => c.getInfo());
        await settle(answer(b), async (c) => parseAuthData(parseCbor(getAssertionResponseSchema, await c.call(CMD.getAssertion, new Map([[1, 'x']])), 'assertion')['2']));
        for (const s of [getInfoSchema, clientPinResponseSchema, getAssertionResponseSchema]) {
          try {
            parseCbor(s, b, 'fuzz');
          } catch (e) {
            expect(e).toBeInstanceOf(LatchkeyError);
          }
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('authenticator data with attested-credential and extension flags and random tails gives typed errors', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 }), (flags, tail) => {
        const ad = new Uint8Array(37 + tail.length);
        ad[32] = flags;
        ad.set(tail, 37);
        try {
          parseAuthData(ad);
        } catch (e) {
          expect(e).toBeInstanceOf(LatchkeyError);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('deeply nested, indefinite-length, tagged and trailing CBOR is refused as fido_device', () => {
    const deep = new Uint8Array(6000).fill(0x81); // [[[[...
    for (const bad of [deep, new Uint8Array([0x9f, 0x01, 0xff]), new Uint8Array([0xc1, 0x01]), new Uint8Array([0x01, 0x02]), new Uint8Array([0xf7])]) {
      try {
        cborDecode(bad);
        throw new Error('accepted');
      } catch (e) {
        expect(e).toBeInstanceOf(LatchkeyError);
        expect((e as LatchkeyError).code).toBe('fido_device');
      }
    }
  });

  it('an endless stream of keepalives ends at the deadline instead of hanging', async () => {
    const ka = Array.from({ length: 10_000 }, () => report(CID, 0xbb, new Uint8Array([0, 1, 1])));
    const dev = new ScriptedDevice(ka);
    const origRead = dev.read.bind(dev);
    dev.read = async (ms) => {
      dev.t += 1; // each keepalive takes 1 ms of fake time
      return origRead(ms);
    };
    const hid = await CtapHidDevice.open(dev, { random, now: dev.now, sleep: async () => {}, shortTimeoutMs: 100, timeoutMs: 500 });
    await expect(new Ctap2Client(hid).getInfo()).rejects.toMatchObject({ code: 'timeout' });
  });
});
