/**
 * Slots are tried one by one (issue 9 item 3): a malformed or crafted slot — params
 * that are not an object or not the kind's layout, wrong byte lengths, a KDF cost over
 * the ceiling, a digest that does not match — is reported by id and skipped, and the
 * genuine slot still opens the vault. The same holds for slots that arrive by sync.
 * Over-the-ceiling params never reach the KDF (nothing is allocated for them).
 */
import { describe, expect, it } from 'vitest';
import type { Argon2idInput, Kdf } from '../../../src/core/crypto/kdf';
import type { SlotRecord } from '../../../src/core/store/records';
import { slotDigest } from '../../../src/core/vault/slots';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';
import { expectCode, makeHarness, PASSWORD } from './helpers';

function countingKdf(): Kdf & { calls: Argon2idInput[] } {
  const real = createNodeArgon2Kdf();
  const calls: Argon2idInput[] = [];
  return { calls, argon2id: (i) => (calls.push(i), real.argon2id(i)) };
}

function crafted(vaultId: string, genuine: SlotRecord, id = (_i: number) => 'crafted'): [string, SlotRecord][] {
  let n = 0;
  const body = (over: Partial<SlotRecord>): SlotRecord => {
    const { digest: _d, ...b } = { ...genuine, id: id(n++), ...over };
    return { ...b, digest: slotDigest(vaultId, b) };
  };
  const flipped = new Uint8Array(genuine.wrappedKey);
  flipped[30]! ^= 1;
  return [
    ['params not an object', { ...body({}), params: 'not json' as never }],
    ['params missing the salt', body({ params: { alg: 'argon2id', v: 19, m: 64, t: 1, p: 1 } })],
    ['salt of the wrong length', body({ params: { ...genuine.params, salt: 'AAAA' } })],
    ['wrappedKey of the wrong length', body({ wrappedKey: genuine.wrappedKey.subarray(0, 40) })],
    ['digest of the wrong length', { ...body({}), digest: new Uint8Array(5) }],
    ['4 GiB of KDF memory', body({ params: { ...genuine.params, m: 4 * 1024 * 1024 } })],
    ['a million passes', body({ params: { ...genuine.params, t: 1_000_000 } })],
    ['64 lanes', body({ params: { ...genuine.params, p: 64 } })],
    ['wrong digest', { ...body({}), digest: new Uint8Array(32).fill(7) }],
    ['a wrapped key that does not open (digest recomputed)', body({ wrappedKey: flipped })],
  ];
}

describe('one crafted slot never locks out its unlock method', () => {
  it('each kind of crafted password slot is named and skipped; the genuine password still unlocks; no KDF runs over the ceiling', { timeout: 60_000 }, async () => {
    const kdf = countingKdf();
    const h = makeHarness({ extra: { kdf } });
    const { vaultId } = await h.engine.createVault(PASSWORD);
    h.engine.lock();
    const genuine = (await h.store.readSlots()).find((s) => s.kind === 'password')!;
    for (const [what, bad] of crafted(vaultId, genuine)) {
      kdf.calls.length = 0;
      await h.store.commit({ putSlots: [bad] });
      await h.engine.unlockWithPassword(PASSWORD).catch((e: Error) => {
        throw new Error(`${what}: ${e.message}`);
      });
      expect((await h.engine.status()).issues, what).toEqual(expect.arrayContaining([expect.objectContaining({ where: 'slot', id: 'crafted' })]));
      for (const c of kdf.calls) expect(c.memoryKiB * c.iterations, what).toBeLessThanOrEqual(1024 * 1024);
      h.engine.lock();
      await h.store.commit({ deleteSlots: ['crafted'] });
    }
  });

  it('a crafted slot that is the ONLY password slot is refused by name (integrity), not as a crash', async () => {
    const h = makeHarness();
    const { vaultId } = await h.engine.createVault(PASSWORD);
    h.engine.lock();
    const genuine = (await h.store.readSlots()).find((s) => s.kind === 'password')!;
    const huge = crafted(vaultId, genuine).find(([w]) => w === '4 GiB of KDF memory')![1];
    await h.store.commit({ deleteSlots: [genuine.id], putSlots: [huge] });
    expect(await expectCode(h.engine.unlockWithPassword(PASSWORD), 'integrity')).toEqual({ slotId: 'crafted' });
  });

  it('crafted slots arriving by sync are refused by id; the rest applies, and the genuine slot still unlocks', { timeout: 60_000 }, async () => {
    const h = makeHarness();
    const { vaultId } = await h.engine.createVault(PASSWORD);
    const genuine = (await h.store.readSlots()).find((s) => s.kind === 'password')!;
    const all = crafted(vaultId, genuine, (i) => `crafted${i}`).map(([, s]) => s);
    const r = await h.engine.applyRemoteRecords({ putSlots: all });
    expect(r.state).toBe('applied');
    // Everything whose shape, params or digest is wrong is refused; one that only fails to open cannot be told apart before a KDF.
    const refused = r.refused.map((x) => x.id);
    expect(refused).toEqual(all.slice(0, 9).map((s) => s.id));
    h.engine.lock();
    await h.engine.unlockWithPassword(PASSWORD);
    expect((await h.engine.status()).state).toBe('unlocked');
  });
});
