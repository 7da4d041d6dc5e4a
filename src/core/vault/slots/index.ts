/**
 * The default slot registry. The hardware-key slot (fido helper) is registered by
 * adding one line here: `.register(hardwareKeySlot)`.
 */
import { hardwareKeySlot } from './hardware-key';
import { orgRecoverySlot } from './org-recovery';
import { passwordSlot } from './password';
import { recoveryCodeSlot } from './recovery-code';
import { SlotRegistry } from './types';

export function createDefaultSlotRegistry(): SlotRegistry {
  return new SlotRegistry().register(passwordSlot).register(recoveryCodeSlot).register(hardwareKeySlot).register(orgRecoverySlot);
}

export { PASSWORD_SLOT } from './password';
export { ORG_RECOVERY_SLOT, orgRecoveryKeyId, openKekWithOrgKey, orgRecoverySlotParams } from './org-recovery';
export { RECOVERY_SLOT, breakGlassOrigin, formatRecoveryCode, parseRecoveryCode, recoveryCodeSlot, sealBreakGlassRecoverySlot } from './recovery-code';
export { SlotRegistry, type KeySlotKind, type SlotContext } from './types';
export { openSlot, sealSlot, slotDigest, slotDigestValid } from './wrap';
export { slotProblem } from './check';
