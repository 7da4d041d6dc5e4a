/**
 * The seam the hardware-key slot plugs into: a registered kind can be added as a
 * slot, opens the vault, is refused when its secret is wrong, and is re-wrapped on
 * vault-key rotation when its input is supplied (by slot id when there are several).
 * The test kind derives its KEK from a 32-byte secret, like an hmac-secret.
 */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createDefaultSlotRegistry, type KeySlotKind } from '../../../src/core';
import { EnvelopeError } from '../../../src/core/crypto/aead';
import { toBase64url } from '../../../src/core/crypto/bytes';
import { deriveKey } from '../../../src/core/crypto/hkdf';
import { expectCode, loginDraft, makeHarness, PASSWORD } from './helpers';

const bytes32 = z.custom<Uint8Array>((v) => v instanceof Uint8Array && v.length === 32);
const token: KeySlotKind<{ tokenId: string; secret: Uint8Array }, { tokenId: string; secret: Uint8Array }> = {
  kind: 'test_token',
  unlockInput: z.object({ tokenId: z.string(), secret: bytes32 }),
  wrongInputCode: 'fido_not_enrolled',
  async create(ctx, input) {
    const salt = ctx.random.bytes(16);
    return { params: { tokenId: input.tokenId, salt: toBase64url(salt) }, kek: deriveKey(input.secret, salt, 'test-token-kek'), label: `Token ${input.tokenId}` };
  },
  async deriveKek(_ctx, slot, input) {
    if (slot.params.tokenId !== input.tokenId) throw new EnvelopeError('another token');
    return deriveKey(input.secret, Buffer.from(String(slot.params.salt), 'base64url'), 'test-token-kek');
  },
};

describe('slot registry seam', () => {
  it('adds, unlocks with, refuses, and rotates a registered slot kind', async () => {
    const slots = createDefaultSlotRegistry().register(token);
    const h = makeHarness({ extra: { slots } });
    await h.engine.createVault(PASSWORD);
    const item = await h.engine.createItem(loginDraft());
    const a = new Uint8Array(32).fill(7);
    const b = new Uint8Array(32).fill(9);
    const { slotId: slotA } = await h.engine.addSlot('test_token', { tokenId: 'A', secret: a });
    const { slotId: slotB } = await h.engine.addSlot('test_token', { tokenId: 'B', secret: b }, 'Backup token');
    expect((await h.engine.listSlots()).map((s) => s.label)).toEqual(expect.arrayContaining(['Token A', 'Backup token']));
    h.engine.lock();

    await h.engine.unlock('test_token', { tokenId: 'B', secret: b });
    h.engine.lock();
    await expectCode(h.engine.unlock('test_token', { tokenId: 'A', secret: b }), 'fido_not_enrolled');
    await expectCode(h.engine.unlock('test_token', { tokenId: 'A' }), 'invalid_input');
    await expectCode(h.engine.unlock('no_such_kind', {}), 'unsupported');

    await h.engine.unlock('test_token', { tokenId: 'A', secret: a });
    // Without the tokens' inputs rotation refuses and changes nothing.
    const before = await h.store.dumpRecords();
    await expectCode(h.engine.rotateVaultKey({ currentPassword: PASSWORD }), 'unsupported');
    expect(await h.store.dumpRecords()).toEqual(before);
    // A wrong secret for one of them is refused too.
    await expectCode(
      h.engine.rotateVaultKey({ currentPassword: PASSWORD, slotInputs: { [slotA]: { tokenId: 'A', secret: a }, [slotB]: { tokenId: 'B', secret: a } } }),
      'fido_not_enrolled',
    );
    expect(await h.store.dumpRecords()).toEqual(before);
    // With both (keyed by slot id) every way in survives the rotation.
    await h.engine.rotateVaultKey({ currentPassword: PASSWORD, slotInputs: { [slotA]: { tokenId: 'A', secret: a }, [slotB]: { tokenId: 'B', secret: b } } });
    for (const open of [
      () => h.engine.unlock('test_token', { tokenId: 'A', secret: a }),
      () => h.engine.unlock('test_token', { tokenId: 'B', secret: b }),
      () => h.engine.unlockWithPassword(PASSWORD),
    ]) {
      h.engine.lock();
      await open();
      expect(await h.engine.revealField(item.id, 'password', 'reveal')).toBe('hunter2-very-secret');
    }
  });
});
