/**
 * A stored slot's shape, checked on its own before it is used (unlock) or accepted
 * (sync): anything malformed — wrong field types or lengths, params that are not the
 * kind's layout or over the KDF ceiling, a digest that does not match — is named and
 * skipped, and can never stop another slot from opening the vault.
 */
import type { SlotRecord } from '../../store/records';
import type { IntegrityProblem } from '../session';
import type { SlotRegistry } from './types';
import { slotDigestValid } from './wrap';

/** VK (32 bytes) in an envelope: 2 header + 24 nonce + 32 + 16 tag. */
const WRAPPED_VK_BYTES = 74;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** null when the slot is well-formed and its digest matches; else what is wrong with it. */
export function slotProblem(registry: SlotRegistry, vaultId: string, s: SlotRecord): IntegrityProblem | null {
  try {
    const params = s.params as unknown;
    const shapeOk =
      typeof s.id === 'string' &&
      ID_RE.test(s.id) &&
      typeof s.kind === 'string' &&
      s.kind.length > 0 &&
      s.kind.length <= 64 &&
      typeof s.label === 'string' &&
      s.label.length <= 128 &&
      Number.isSafeInteger(s.createdAt) &&
      typeof params === 'object' &&
      params !== null &&
      !Array.isArray(params) &&
      Object.values(params).every((v) => (typeof v === 'string' && v.length <= 4096) || Number.isFinite(v)) &&
      s.wrappedKey instanceof Uint8Array &&
      s.wrappedKey.length === WRAPPED_VK_BYTES &&
      s.digest instanceof Uint8Array &&
      s.digest.length === 32;
    if (!shapeOk) return 'malformed';
    registry.get(s.kind)?.checkParams?.(s);
  } catch {
    return 'malformed';
  }
  return slotDigestValid(vaultId, s) ? null : 'unauthentic';
}
