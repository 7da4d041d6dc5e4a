/**
 * Org-recovery slot (break-glass, docs/break-glass.md; layout docs/vault-format.md §4.4):
 * VK is also wrapped to the organisation's recovery public key, so k of the named
 * admins, combining their Shamir shares of the private key on an admin machine, can
 * give a person who lost every way in a new one. Exists only while policy
 * `recovery.breakGlass` names the key.
 *
 *   KEK        = 32 random bytes (fresh per slot)
 *   enc, ct    = HPKE base-mode SealBase(pkR, info, aad, KEK)        (RFC 9180)
 *                suite DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM
 *   wrappedKey = envelope(KEK, VK) with the ordinary slot AAD (§4)
 *
 * The slot keeps the ordinary record layout (74-byte wrappedKey, digest, head entry),
 * so sync, the head and every check treat it like any slot. It can never open the
 * vault on a device: the device has no private key, and its unlock input parses nothing.
 */
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { z } from 'zod';
import { LatchkeyError } from '../../../shared/errors';
import { bytesToHex } from '@noble/hashes/utils.js';
import { concatBytes, fromBase64url, toBase64url, utf8ToBytes, wipe } from '../../crypto/bytes';
import { sha256Bytes } from '../../crypto/hkdf';
import type { SlotRecord } from '../../store/records';
import type { KeySlotKind } from './types';

export const ORG_RECOVERY_SLOT = 'org_recovery';
export const ORG_RECOVERY_ALG = 'hpke-x25519-sha256-aes256gcm';
/** Format version of the HPKE binding (info/aad below). */
export const ORG_RECOVERY_V = 1;
const INFO = utf8ToBytes('latchkey/v1/org-recovery-kek');

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

const b64u = (len: number) => z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${len}}$`));
const paramsSchema = z.strictObject({
  alg: z.literal(ORG_RECOVERY_ALG),
  v: z.literal(ORG_RECOVERY_V),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  /** HPKE encapsulated key: 32 bytes. */
  enc: b64u(43),
  /** HPKE ciphertext of the 32-byte KEK: 32 + 16 tag bytes. */
  ct: b64u(64),
});
export type OrgRecoveryParams = z.infer<typeof paramsSchema>;

/** The policy's key, as the engine hands it to create() (SlotContext.orgRecovery). */
export interface OrgRecoveryKey {
  readonly publicKey: Uint8Array;
  readonly keyId: string;
}

/** keyId = lower-case hex of the first 8 bytes of SHA-256(raw 32-byte public key). */
export function orgRecoveryKeyId(publicKey: Uint8Array): string {
  return bytesToHex(sha256Bytes(publicKey).subarray(0, 8));
}

/** HPKE aad: "LKOR" || u8(v) || f(vaultId) || f(slotId) || f(keyId), f(x) = u8(len) || x. */
export function orgRecoveryAad(vaultId: string, slotId: string, keyId: string): Uint8Array {
  const f = (x: string) => {
    const b = utf8ToBytes(x);
    if (b.length > 255) throw new LatchkeyError('internal', 'org-recovery aad field too long');
    return concatBytes(Uint8Array.of(b.length), b);
  };
  return concatBytes(utf8ToBytes('LKOR'), Uint8Array.of(ORG_RECOVERY_V), f(vaultId), f(slotId), f(keyId));
}

export function orgRecoverySlotParams(slot: Pick<SlotRecord, 'id' | 'params'>): OrgRecoveryParams {
  const r = paramsSchema.safeParse(slot.params);
  if (!r.success) throw new LatchkeyError('integrity', 'An organisation-recovery slot has malformed parameters.', { slotId: slot.id });
  // Impossible encodings (non-canonical trailing bits) are refused, like everywhere else.
  if (fromBase64url(r.data.enc).length !== 32 || fromBase64url(r.data.ct).length !== 48)
    throw new LatchkeyError('integrity', 'An organisation-recovery slot has malformed parameters.', { slotId: slot.id });
  return r.data;
}

/** HPKE-seals a fresh KEK to the org key; returns the slot params and the KEK (caller wipes). */
export async function sealKekToOrg(key: OrgRecoveryKey, vaultId: string, slotId: string, kek: Uint8Array): Promise<OrgRecoveryParams> {
  if (key.publicKey.length !== 32 || orgRecoveryKeyId(key.publicKey) !== key.keyId) {
    throw new LatchkeyError('policy_invalid', "The organisation's recovery key in the policy does not match its key id; ask IT to check recovery.breakGlass.");
  }
  const pkR = await suite.kem.deserializePublicKey(copyBuffer(key.publicKey));
  const sealed = await suite.seal({ recipientPublicKey: pkR, info: INFO }, kek, orgRecoveryAad(vaultId, slotId, key.keyId));
  return { alg: ORG_RECOVERY_ALG, v: ORG_RECOVERY_V, keyId: key.keyId, enc: toBase64url(new Uint8Array(sealed.enc)), ct: toBase64url(new Uint8Array(sealed.ct)) };
}

/**
 * Opens the KEK of an org-recovery slot with the org private key (32-byte X25519
 * scalar, the combined shares). Throws 'integrity' naming the slot when it does not open.
 * Caller wipes the result and the private key.
 */
export async function openKekWithOrgKey(privateKey: Uint8Array, vaultId: string, slot: Pick<SlotRecord, 'id' | 'params'>): Promise<Uint8Array> {
  const p = orgRecoverySlotParams(slot);
  const keyBuf = copyBuffer(privateKey);
  try {
    const skR = await suite.kem.importKey('raw', keyBuf, false);
    const pt = await suite.open({ recipientKey: skR, enc: copyBuffer(fromBase64url(p.enc)), info: INFO }, fromBase64url(p.ct), orgRecoveryAad(vaultId, slot.id, p.keyId));
    const kek = new Uint8Array(pt);
    if (kek.length !== 32) throw new Error('kek length');
    return kek;
  } catch {
    throw new LatchkeyError('integrity', "This person's organisation-recovery slot does not open with the organisation's recovery key (another key, or the slot was altered).", {
      slotId: slot.id,
    });
  } finally {
    new Uint8Array(keyBuf).fill(0);
  }
}

/** HPKE takes ArrayBuffers; a copy keeps the caller's view (and its wipe) separate. */
function copyBuffer(b: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(b.length);
  new Uint8Array(out).set(b);
  return out;
}

export const orgRecoverySlot: KeySlotKind<never, Record<string, never>> = {
  kind: ORG_RECOVERY_SLOT,
  // No device input can open it: the private key exists only as shares.
  unlockInput: z.never(),
  wrongInputCode: 'unsupported',
  regenerateOnRotation: true,
  async create(ctx) {
    if (!ctx.orgRecovery) throw new LatchkeyError('unsupported', 'Organisation recovery is not enabled by policy.');
    if (!ctx.slotId) throw new LatchkeyError('internal', 'An organisation-recovery slot needs its id before it is sealed.');
    const kek = ctx.random.bytes(32);
    try {
      const params = await sealKekToOrg(ctx.orgRecovery, ctx.vaultId, ctx.slotId, kek);
      return { params, kek: kek.slice(), label: 'Organisation recovery' };
    } finally {
      wipe(kek);
    }
  },
  checkParams(slot) {
    orgRecoverySlotParams(slot);
  },
  deriveKek(_ctx, slot) {
    return Promise.reject(new LatchkeyError('unsupported', 'Organisation recovery is done by your administrators, not on this device.', { slotId: slot.id }));
  },
};
