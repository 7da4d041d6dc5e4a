/**
 * Recovery-code slot. The code is 16 random bytes (128 bits) plus a 12-bit checksum,
 * written as 28 Crockford base32 characters in 7 groups of 4
 * ("7K3M-...-Q2ZD"). Shown once at creation, never stored. Typing is forgiving:
 * any case, dashes/spaces ignored, I/L read as 1 and O as 0. The checksum turns a
 * typo into a clear message instead of a silent "does not open".
 *
 * KEK = HKDF-SHA256(code bytes, salt, "latchkey/v1/recovery-kek"). No argon2: 128
 * bits of entropy need no stretching. Params: { alg: "hkdf-sha256", salt }.
 */
import { z } from 'zod';
import { LatchkeyError } from '../../../shared/errors';
import { concatBytes, fromBase64url, toBase64url, utf8ToBytes, wipe } from '../../crypto/bytes';
import { deriveKey, sha256Bytes } from '../../crypto/hkdf';
import type { RandomSource } from '../../crypto/random';
import type { SlotRecord } from '../../store/records';
import type { KeySlotKind } from './types';
import { sealSlot } from './wrap';

export const RECOVERY_SLOT = 'recovery_code';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DATA_BYTES = 16;
const CODE_CHARS = 28; // 140 bits = 128 data + 12 checksum

function checksum12(data: Uint8Array): number {
  const h = sha256Bytes(concatBytes(utf8ToBytes('latchkey recovery code v1'), data));
  return (h[0]! << 4) | (h[1]! >>> 4);
}

export function formatRecoveryCode(data: Uint8Array): string {
  if (data.length !== DATA_BYTES) throw new LatchkeyError('internal', 'Recovery code data must be 16 bytes.');
  // 140-bit big-endian number: data (128 bits) then checksum (12 bits).
  let bits = 0n;
  for (const b of data) bits = (bits << 8n) | BigInt(b);
  bits = (bits << 12n) | BigInt(checksum12(data));
  let out = '';
  for (let i = CODE_CHARS - 1; i >= 0; i--) out += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)]!;
  return out.match(/.{4}/g)!.join('-');
}

/** Returns the 16 data bytes, or throws 'wrong_recovery_code' on a malformed or mistyped code. */
export function parseRecoveryCode(text: string): Uint8Array {
  const clean = text.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (clean.length !== CODE_CHARS) {
    throw new LatchkeyError('wrong_recovery_code', `A recovery code has ${CODE_CHARS} characters; this one has ${clean.length}.`);
  }
  let bits = 0n;
  for (const ch of clean) {
    const v = CROCKFORD.indexOf(ch);
    if (v < 0) throw new LatchkeyError('wrong_recovery_code', 'The recovery code contains a character that is not used in codes.');
    bits = (bits << 5n) | BigInt(v);
  }
  const check = Number(bits & 0xfffn);
  let d = bits >> 12n;
  const data = new Uint8Array(DATA_BYTES);
  for (let i = DATA_BYTES - 1; i >= 0; i--) {
    data[i] = Number(d & 0xffn);
    d >>= 8n;
  }
  if (checksum12(data) !== check) {
    wipe(data);
    throw new LatchkeyError('wrong_recovery_code', 'The recovery code has a typo: check each group against your copy.');
  }
  return data;
}

/**
 * A code an organisation's break-glass recovery made (docs/break-glass.md §4) also
 * says so — `origin: "org_recovery"`, the org key id and the admins whose shares were
 * combined — inside params, so inside the wrap's AAD: it cannot be stripped or added
 * without the slot failing to open. Older readers ignore the extra members.
 */
const paramsSchema = z.object({
  alg: z.literal('hkdf-sha256'),
  salt: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  origin: z.literal('org_recovery').optional(),
  keyId: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional(),
  /** Comma-separated admin names (breakGlassAdminNameSchema each). */
  admins: z
    .string()
    .regex(/^[A-Za-z0-9._@-]{1,64}(,[A-Za-z0-9._@-]{1,64}){0,254}$/)
    .optional(),
});

export interface BreakGlassOrigin {
  readonly keyId: string;
  readonly admins: string;
}

/** The break-glass facts of a recovery-code slot, or null for a code the person made. */
export function breakGlassOrigin(slot: Pick<SlotRecord, 'kind' | 'params'>): BreakGlassOrigin | null {
  if (slot.kind !== RECOVERY_SLOT) return null;
  const p = paramsSchema.safeParse(slot.params);
  if (!p.success || p.data.origin !== 'org_recovery' || !p.data.keyId || !p.data.admins) return null;
  return { keyId: p.data.keyId, admins: p.data.admins };
}

/**
 * A new recovery-code slot made by break-glass recovery on an admin machine, sealed
 * under VK like any slot (wrap.ts). The code is returned once, for the admin to hand
 * over; nothing keeps it.
 */
export function sealBreakGlassRecoverySlot(
  o: { vaultId: string; slotId: string; vk: Uint8Array; now: number; keyId: string; admins: readonly string[] },
  random: RandomSource,
): { slot: SlotRecord; recoveryCode: string } {
  const data = random.bytes(DATA_BYTES);
  const salt = random.bytes(16);
  const kek = deriveKey(data, salt, 'recovery-kek');
  try {
    const params = { alg: 'hkdf-sha256', salt: toBase64url(salt), origin: 'org_recovery', keyId: o.keyId, admins: [...o.admins].sort().join(',') };
    if (!paramsSchema.safeParse(params).success) throw new LatchkeyError('invalid_input', 'Admin names must be letters, digits, . _ @ or - (up to 64 each).');
    const slot = sealSlot(o.vaultId, { id: o.slotId, kind: RECOVERY_SLOT, label: 'Recovery code from your organisation', createdAt: o.now, params }, o.vk, kek, random);
    return { slot, recoveryCode: formatRecoveryCode(data) };
  } finally {
    wipe(data, kek);
  }
}

export const recoveryCodeSlot: KeySlotKind<{ recoveryCode: string }, Record<string, never>> = {
  kind: RECOVERY_SLOT,
  unlockInput: z.object({ recoveryCode: z.string().min(1).max(128) }),
  wrongInputCode: 'wrong_recovery_code',
  regenerateOnRotation: true,
  async create(ctx) {
    const data = ctx.random.bytes(DATA_BYTES);
    const salt = ctx.random.bytes(16);
    try {
      return {
        params: { alg: 'hkdf-sha256', salt: toBase64url(salt) },
        kek: deriveKey(data, salt, 'recovery-kek'),
        label: 'Recovery code',
        reveal: formatRecoveryCode(data),
      };
    } finally {
      wipe(data);
    }
  },
  checkParams(slot) {
    if (!paramsSchema.safeParse(slot.params).success) throw new LatchkeyError('integrity', 'A recovery-code slot has malformed parameters.', { slotId: slot.id });
  },
  async deriveKek(_ctx, slot, input) {
    const p = paramsSchema.safeParse(slot.params);
    if (!p.success) throw new LatchkeyError('integrity', 'A recovery-code slot has malformed parameters.', { slotId: slot.id });
    const data = parseRecoveryCode(input.recoveryCode);
    try {
      return deriveKey(data, fromBase64url(p.data.salt), 'recovery-kek');
    } finally {
      wipe(data);
    }
  },
};
