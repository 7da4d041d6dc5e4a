/**
 * Sealing VK into a slot and checking a slot's integrity (docs/vault-format.md §4).
 *
 * - wrappedKey = envelope(KEK, VK) with AAD {context 'slot', vaultId, objectId = slot
 *   id, version 0, part = kind, extra = SHA-256(canonical params)}.
 * - digest = SHA-256(canonical JSON of vaultId, id, kind, label, createdAt, params,
 *   wrappedKey). Unkeyed: it tells a corrupted slot ('integrity') from a wrong
 *   password before the KDF runs. Someone who edits a slot AND recomputes the digest
 *   only makes the slot unusable: the AEAD still refuses, reported as a wrong secret.
 */
import { open, seal } from '../../crypto/aead';
import { constantTimeEqual, toBase64url, utf8ToBytes } from '../../crypto/bytes';
import { sha256Bytes } from '../../crypto/hkdf';
import type { RandomSource } from '../../crypto/random';
import type { SlotParams, SlotRecord } from '../../store/records';
import { canonicalJson } from '../canonical';

function paramsDigest(params: SlotParams): Uint8Array {
  return sha256Bytes(utf8ToBytes(canonicalJson(params)));
}

function aadFor(vaultId: string, slot: Pick<SlotRecord, 'id' | 'kind' | 'params'>) {
  return { context: 'slot' as const, vaultId, objectId: slot.id, version: 0, part: slot.kind, extra: paramsDigest(slot.params) };
}

export function slotDigest(vaultId: string, s: Omit<SlotRecord, 'digest'>): Uint8Array {
  return sha256Bytes(
    utf8ToBytes(
      canonicalJson({
        vaultId,
        id: s.id,
        kind: s.kind,
        label: s.label,
        createdAt: s.createdAt,
        params: s.params,
        wrappedKey: toBase64url(s.wrappedKey),
      }),
    ),
  );
}

export function sealSlot(vaultId: string, s: Omit<SlotRecord, 'digest' | 'wrappedKey'>, vk: Uint8Array, kek: Uint8Array, random: RandomSource): SlotRecord {
  const wrappedKey = seal(kek, vk, aadFor(vaultId, s), random);
  const body = { ...s, params: { ...s.params }, wrappedKey };
  return { ...body, digest: slotDigest(vaultId, body) };
}

export function slotDigestValid(vaultId: string, s: SlotRecord): boolean {
  try {
    return constantTimeEqual(slotDigest(vaultId, s), s.digest);
  } catch {
    return false;
  }
}

/** Throws EnvelopeError when the KEK is wrong (or the slot was edited with a recomputed digest). VK comes back in its own ArrayBuffer (aead.open). */
export function openSlot(vaultId: string, s: SlotRecord, kek: Uint8Array): Uint8Array {
  return open(kek, s.wrappedKey, aadFor(vaultId, s));
}
