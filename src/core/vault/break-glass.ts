/**
 * The engine's side of break-glass recovery (docs/break-glass.md):
 *
 * - While policy `recovery.breakGlass` names an org recovery key, every unlocked vault
 *   holds exactly one valid org-recovery slot for THAT key (slots/org-recovery.ts): made
 *   at vault creation or the first unlock after the policy arrives, replaced when the
 *   key changes, removed when the policy drops it. Without the policy nothing of it
 *   exists (the vault stays end-to-end only).
 * - A recovery-code slot made by break-glass recovery carries its origin in its params
 *   (bound in the wrap's AAD). Each device that receives one by sync, or opens the vault
 *   with one, tells the person (a `breakGlass` event and an audit record
 *   `vault.break_glass`), and lists it among its notices for as long as the slot exists.
 */
import type { BreakGlassNotice } from '../../shared/contracts/engine';
import type { EffectivePolicy } from '../../shared/policy';
import { fromBase64url } from '../crypto/bytes';
import type { SlotRecord } from '../store/records';
import type { EngineCore } from './core';
import { ORG_RECOVERY_SLOT, breakGlassOrigin, orgRecoverySlotParams, slotProblem, type SlotRegistry } from './slots';

/** The policy's org recovery key, decoded; undefined when break-glass is off. */
export function orgRecoveryKeyOf(p: EffectivePolicy): { publicKey: Uint8Array; keyId: string } | undefined {
  const bg = p.managed ? p.policy?.recovery?.breakGlass : undefined;
  return bg ? { publicKey: fromBase64url(bg.orgRecoveryPublicKey), keyId: bg.keyId } : undefined;
}

/** What has to change so the vault's org-recovery slots match the policy. */
export function planOrgRecoverySlots(registry: SlotRegistry, vaultId: string, slots: readonly SlotRecord[], keyId: string | undefined): { add: boolean; remove: string[] } {
  const org = slots.filter((s) => s.kind === ORG_RECOVERY_SLOT);
  if (keyId === undefined) return { add: false, remove: org.map((s) => s.id) };
  const current = org.filter((s) => slotProblem(registry, vaultId, s) === null && orgRecoverySlotParams(s).keyId === keyId);
  // Two devices unlocking at once may each add one; both open with the same key, so both stay.
  return { add: current.length === 0, remove: org.filter((s) => !current.includes(s)).map((s) => s.id) };
}

export function noticeOf(slot: SlotRecord): BreakGlassNotice | null {
  const o = breakGlassOrigin(slot);
  return o ? { slotId: slot.id, keyId: o.keyId, admins: o.admins.split(','), at: slot.createdAt } : null;
}

export function breakGlassNotices(slots: readonly SlotRecord[]): BreakGlassNotice[] {
  return slots
    .map(noticeOf)
    .filter((n): n is BreakGlassNotice => n !== null)
    .sort((a, b) => a.at - b.at);
}

/**
 * Tells the person about each break-glass slot in `arrived` that was not there before:
 * an event for the UI first (the person is told even if the log cannot be written),
 * then a record in this device's audit chain (which its next sync uploads). Returns
 * the first audit error, for the caller to raise or report; the notice list
 * (breakGlassNotices) shows the slot either way.
 */
export async function announceBreakGlass(core: EngineCore, arrived: readonly SlotRecord[], before: ReadonlySet<string>): Promise<unknown> {
  let failure: unknown;
  for (const slot of arrived) {
    if (before.has(slot.id)) continue;
    const notice = noticeOf(slot);
    if (!notice) continue;
    core.emit({ type: 'breakGlass', notice });
    try {
      await core.audit({ action: 'vault.break_glass', actor: { type: 'system' }, target: { slotId: slot.id }, outcome: 'success', reason: 'org_recovery' });
    } catch (e) {
      failure ??= e;
    }
  }
  return failure;
}
