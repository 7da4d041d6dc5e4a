/**
 * Hardware-key benchmarks (Node). Every figure sits beside a baseline measured in
 * the same run:
 * - CTAPHID framing per GetAssertion: split a real-sized request into reports and
 *   reassemble a real-sized answer through CtapHidDevice (in-memory loopback), vs
 *   only CBOR-encoding that request and decoding that answer;
 * - hmac-secret answer -> overviews ready at 10k items: engine.unlock with the
 *   hardware-key slot (HKDF + slot open + pages), vs the recovery-code slot on the
 *   same vault; plus the whole touch-free round trip through the software key.
 */
import 'fake-indexeddb/auto';
import { decode, encode } from 'cborg';
import { createEngine } from '../src/core';
import { createNodeArgon2Kdf } from '../src/node/kdf.argon2.node.js';
import { createWebCryptoRandom } from '../src/core/crypto/random.browser';
import { createDexieStore } from '../src/core/store/store.dexie';
import { enrolHardwareKey, HARDWARE_KEY_SLOT, hardwareKeySlotParams, unlockWithHardwareKey } from '../src/core/vault/slots/hardware-key';
import { CTAPHID, CtapHidDevice, framePackets } from '../src/main/fido/ctaphid';
import { createFidoService } from '../src/main/fido/service';
import type { FidoTransport } from '../src/main/fido/transport';
import type { ItemDraft } from '../src/shared/items';
import { softDiscovery, softKey } from '../test/fido/soft-transport';
import { random as rnd } from '../test/fido/random';
import type { Bench } from './lib/harness';

const random = createWebCryptoRandom();
/** Answers every CBOR request with the same pre-framed response. */
class Loopback implements FidoTransport {
  private q: Uint8Array[] = [];
  private answer: Uint8Array[] = [];
  setAnswer(cid: number, payload: Uint8Array): void {
    this.answer = framePackets(cid, CTAPHID.CBOR, payload);
  }
  async write(r: Uint8Array): Promise<void> {
    if (r[4] === 0x86) {
      const p = new Uint8Array(17);
      p.set(r.subarray(7, 15));
      new DataView(p.buffer).setUint32(8, 7);
      p[16] = 0x04;
      this.q.push(...framePackets(0xffffffff, CTAPHID.INIT, p));
    } else if (r[4] === 0x90) {
      this.q.push(...this.answer);
    }
  }
  async read(): Promise<Uint8Array> {
    return this.q.shift()!;
  }
  close(): void {}
}

async function framing(bench: Bench): Promise<void> {
  // Sizes of a real hmac-secret GetAssertion: ~310-byte request, ~190-byte answer.
  const request = new Map<number, unknown>([
    [1, 'latchkey.local'],
    [2, random.bytes(32)],
    [3, [{ id: random.bytes(48), type: 'public-key' }]],
    [
      4,
      new Map([
        [
          'hmac-secret',
          new Map<number, unknown>([
            [
              1,
              new Map<number, unknown>([
                [1, 2],
                [3, -25],
                [-1, 1],
                [-2, random.bytes(32)],
                [-3, random.bytes(32)],
              ]),
            ],
            [2, random.bytes(48)],
            [3, random.bytes(32)],
            [4, 2],
          ]),
        ],
      ]),
    ],
    [5, { up: true }],
    [6, random.bytes(32)],
    [7, 2],
  ]);
  const answerBody = encode(
    new Map<number, unknown>([
      [1, { id: random.bytes(48), type: 'public-key' }],
      [2, random.bytes(37 + 60)],
      [3, random.bytes(71)],
      [5, 1],
    ]),
  );
  const answer = new Uint8Array(1 + answerBody.length);
  answer.set(answerBody, 1);
  const loop = new Loopback();
  const hid = await CtapHidDevice.open(loop, { random: (n) => random.bytes(n) });
  loop.setAnswer(hid.info.cid, answer);
  const N = 2000;
  const frame = async () => {
    for (let i = 0; i < N; i++) {
      const body = encode(request);
      const req = new Uint8Array(1 + body.length);
      req[0] = 0x02;
      req.set(body, 1);
      const res = await hid.transact(CTAPHID.CBOR, req);
      decode(res.subarray(1), { useMaps: true });
    }
  };
  await bench.compare({
    name: 'GetAssertion (hmac-secret) round trip in memory',
    unit: 'µs',
    opsPerRun: N,
    rounds: bench.rounds(9),
    subject: { name: 'encode + CTAPHID frame + reassemble + decode (CtapHidDevice on a loopback)', run: frame },
    baseline: {
      name: 'CBOR encode the request + decode the answer only',
      run: () => {
        for (let i = 0; i < N; i++) {
          encode(request);
          decode(answerBody, { useMaps: true });
        }
      },
    },
    notes: [
      `Request ${encode(request).length + 1} bytes (${framePackets(1, 0x10, new Uint8Array(encode(request).length + 1)).length} reports), answer ${answer.length} bytes; a run is ${N.toLocaleString('en-US')} round trips. A real key adds USB latency (~1 ms per report) and the touch.`,
    ],
  });
}

function draft(i: number): ItemDraft {
  return {
    overview: { kind: 'login', title: `account ${i}`, username: `user${i}@example.com`, urls: [`https://s${i % 97}.example.com/login`], tags: ['t'] },
    details: { kind: 'login', password: `pw-${i}-${'x'.repeat(16)}`, notes: 'n'.repeat(200), customFields: [] },
  };
}

async function unlock10k(bench: Bench): Promise<void> {
  const n = 10_000;
  const store = createDexieStore({ name: `bench-fido-${Date.now()}` });
  const engine = createEngine({ store, kdf: createNodeArgon2Kdf(), random, passwordKdf: { memoryKiB: 64, iterations: 1, parallelism: 1 }, allowWeakKdfForTesting: true });
  const { recoveryCode } = await engine.createVault('bench password');
  for (let off = 0; off < n; off += 5000) await engine.importItems(Array.from({ length: 5000 }, (_, k) => draft(off + k)));
  const key = softKey('bench', { random: rnd });
  const service = createFidoService({ discovery: softDiscovery([key]), random: rnd });
  const deps = { engine, store, hardwareKey: service, random };
  await enrolHardwareKey(deps, { name: 'Bench key', uv: 'discouraged' });
  const slot = (await store.readSlots()).find((s) => s.kind === HARDWARE_KEY_SLOT)!;
  const p = hardwareKeySlotParams(slot);
  const answer = await service.getHmacSecret({ credentialIds: [p.credentialId], salt: p.prfSalt, uv: p.uv });
  engine.lock();

  const expectN = () => {
    if (engine.listItems().length !== n) throw new Error('count');
  };
  try {
    await bench.compare({
      name: 'hmac-secret answer → overviews ready, 10k items (Node)',
      unit: 'ms',
      rounds: bench.rounds(7),
      subject: {
        name: 'engine.unlock with the hardware-key slot (HKDF + slot open + pages)',
        before: () => engine.lock(),
        run: () => engine.unlock(HARDWARE_KEY_SLOT, { credentialId: answer.credentialId, secret: answer.secret.slice() }),
        after: expectN,
      },
      baseline: { name: 'recovery-code slot on the same vault', before: () => engine.lock(), run: () => engine.unlockWithRecoveryCode(recoveryCode), after: expectN },
      goals: [{ metric: 'wall', stat: 'p50', op: '<=', value: 150, unit: 'ms', source: 'hardware-key issue' }],
    });
    await bench.compare({
      name: 'whole unlock through the software key (probe, ECDH, assertion) + overviews, 10k items',
      unit: 'ms',
      rounds: bench.rounds(7),
      subject: { name: 'unlockWithHardwareKey (software key, noble P-256 in-process)', before: () => engine.lock(), run: () => unlockWithHardwareKey(deps), after: expectN },
      baseline: { name: 'recovery-code slot on the same vault', before: () => engine.lock(), run: () => engine.unlockWithRecoveryCode(recoveryCode), after: expectN },
    });
  } finally {
    engine.lock();
    store.close();
  }
}

export default async function run(bench: Bench): Promise<void> {
  await bench.section('Hardware key', async () => {
    await framing(bench);
    await unlock10k(bench);
  });
}
