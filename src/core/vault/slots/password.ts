/**
 * Password slot: KEK = HKDF-SHA256(argon2id(password, salt, m, t, p), salt, "latchkey/v1/password-kek").
 * Params stored: { alg: "argon2id", v: 19, m (KiB), t, p, salt (base64url, 16 bytes) }.
 * The password is NFC-normalised so the same typed text gives the same bytes on
 * every platform's keyboard/IME.
 */
import { z } from 'zod';
import { LatchkeyError } from '../../../shared/errors';
import { fromBase64url, toBase64url, utf8ToBytes, wipe } from '../../crypto/bytes';
import { deriveKey } from '../../crypto/hkdf';
import { checkArgon2idBounds, checkArgon2idParams, type Argon2idParams } from '../../crypto/kdf';
import type { SlotParams, SlotRecord } from '../../store/records';
import type { KeySlotKind, SlotContext } from './types';

export const PASSWORD_SLOT = 'password';

const paramsSchema = z.object({
  alg: z.literal('argon2id'),
  v: z.literal(19),
  m: z.number().int(),
  t: z.number().int(),
  p: z.number().int(),
  salt: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
});

async function kekFor(ctx: SlotContext, password: string, salt: Uint8Array, p: Argon2idParams): Promise<Uint8Array> {
  const pw = utf8ToBytes(password.normalize('NFC'));
  const master = await ctx.kdf.argon2id({ ...p, password: pw, salt, hashLength: 32 });
  try {
    return deriveKey(master, salt, 'password-kek');
  } finally {
    wipe(pw, master);
  }
}

export function passwordSlotParams(slot: SlotRecord): Argon2idParams & { salt: Uint8Array } {
  const r = paramsSchema.safeParse(slot.params);
  if (!r.success) throw new LatchkeyError('integrity', 'A password slot has malformed parameters.', { slotId: slot.id });
  return { memoryKiB: r.data.m, iterations: r.data.t, parallelism: r.data.p, salt: fromBase64url(r.data.salt) };
}

export const passwordSlot: KeySlotKind<{ password: string }, { password: string }> = {
  kind: PASSWORD_SLOT,
  unlockInput: z.object({ password: z.string().min(1).max(1024) }),
  wrongInputCode: 'wrong_password',
  async create(ctx, input) {
    checkArgon2idParams(ctx.passwordKdf, ctx.kdfFloor);
    const salt = ctx.random.bytes(16);
    const p = ctx.passwordKdf;
    const params: SlotParams = { alg: 'argon2id', v: 19, m: p.memoryKiB, t: p.iterations, p: p.parallelism, salt: toBase64url(salt) };
    return { params, kek: await kekFor(ctx, input.password, salt, p), label: 'Password' };
  },
  checkParams(slot) {
    const { salt: _salt, ...p } = passwordSlotParams(slot);
    checkArgon2idBounds(p);
  },
  async deriveKek(ctx, slot, input) {
    const { salt, ...p } = passwordSlotParams(slot);
    // The ceiling only (a crafted slot must not make us allocate gigabytes); the floor applies to new slots.
    try {
      checkArgon2idBounds(p);
    } catch (e) {
      throw new LatchkeyError('integrity', `This password slot asks for a KDF cost over the ceiling, so it was not tried. ${(e as Error).message}`, { slotId: slot.id });
    }
    return kekFor(ctx, input.password, salt, p);
  },
};
