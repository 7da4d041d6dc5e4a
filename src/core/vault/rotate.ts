/**
 * Vault-key rotation: a fresh VK; every item key re-wrapped under the new item-wrap
 * key (overview and details ciphertexts stay as they are — they are under the item
 * keys, which do not change); every page and the settings re-sealed; every slot
 * re-wrapped. All in ONE store transaction, after every check has passed, so a
 * failure (wrong password, a damaged item, a slot that needs its key) changes nothing.
 *
 * Slots: the password slot needs the current password; recovery codes are replaced
 * by a new one (the old code cannot be re-derived — it was never stored); any other
 * kind needs its input in `slotInputs[slotId]` or `slotInputs[kind]`, else
 * 'unsupported' before any change.
 */
import { LatchkeyError } from '../../shared/errors';
import { wipe } from '../crypto/bytes';
import type { SlotRecord } from '../store/records';
import type { EngineCore } from './core';
import { newId } from './ids';
import { rewrapItemKey } from './item-codec';
import { deriveVaultKeys, wipeVaultKeys } from './keys';
import { sealSettings } from './open-vault';
import { sealPage } from './pages';
import type { UnlockedSession } from './session';
import { ORG_RECOVERY_SLOT, PASSWORD_SLOT, sealSlot, type SlotContext, type SlotRegistry } from './slots';

export interface RotationInputs {
  readonly currentPassword?: string;
  /**
   * Unlock input for slots other than the password slot, keyed by slot id (needed when
   * a vault has several slots of one kind, e.g. two security keys) or by kind.
   */
  readonly slotInputs?: Readonly<Record<string, unknown>>;
}

type ProveSlot = (s: UnlockedSession, slot: SlotRecord, input: unknown) => Promise<Uint8Array>;

export async function rotateVaultKey(
  core: EngineCore,
  registry: SlotRegistry,
  slotCtx: (vaultId: string) => SlotContext,
  proveSlot: ProveSlot,
  inputs: RotationInputs,
): Promise<{ recoveryCode?: string }> {
  let s = core.session();
  const slots = await core.store.readSlots();
  s = core.session();
  const vaultId = s.vaultId;
  const newVk = core.random.bytes(32);
  const next = deriveVaultKeys(newVk, vaultId);
  const now = core.clock.now();
  const putSlots: SlotRecord[] = [];
  const deleteSlots: string[] = [];
  let recoveryCode: string | undefined;
  try {
    // 1. Every slot: obtain its KEK (proving it opens THIS vault) or plan its replacement.
    for (const slot of slots) {
      const kind = registry.get(slot.kind);
      if (!kind) throw new LatchkeyError('unsupported', `Slot kind ${slot.kind} is unknown to this version.`, { slotId: slot.id });
      const input =
        slot.kind === PASSWORD_SLOT
          ? inputs.currentPassword === undefined
            ? undefined
            : { password: inputs.currentPassword }
          : (inputs.slotInputs?.[slot.id] ?? inputs.slotInputs?.[slot.kind]);
      if (input !== undefined) {
        const kek = await proveSlot(s, slot, input);
        try {
          putSlots.push(sealSlot(vaultId, { id: slot.id, kind: slot.kind, label: slot.label, createdAt: slot.createdAt, params: slot.params }, newVk, kek, core.random));
        } finally {
          wipe(kek);
        }
      } else if (kind.regenerateOnRotation) {
        const ctx = slotCtx(vaultId);
        deleteSlots.push(slot.id);
        // An org-recovery slot follows policy: without recovery.breakGlass it just goes.
        if (slot.kind === ORG_RECOVERY_SLOT && !ctx.orgRecovery) continue;
        const id = newId(core.random);
        const n = await kind.create({ ...ctx, slotId: id }, {});
        try {
          putSlots.push(sealSlot(vaultId, { id, kind: slot.kind, label: n.label, createdAt: now, params: n.params }, newVk, n.kek, core.random));
        } finally {
          wipe(n.kek);
        }
        if (n.reveal !== undefined) recoveryCode = n.reveal;
      } else {
        throw new LatchkeyError(
          slot.kind === PASSWORD_SLOT ? 'wrong_password' : 'unsupported',
          slot.kind === PASSWORD_SLOT ? 'Enter the current password to rotate the vault key.' : `The ${slot.label} slot needs its key present to rotate the vault key.`,
          { slotId: slot.id },
        );
      }
    }

    // 2. Every item key re-wrapped. A damaged item stops the rotation (integrity, naming it).
    const records = await core.store.readAllItems();
    s = core.session();
    const putItems = records.filter((r) => s.get(r.id)).map((r) => rewrapItemKey(s.keys.itemWrap, next.itemWrap, vaultId, r, core.random));
    const putPages = s.pages.map((p, i) => sealPage(next.page, vaultId, i, p.generation + 1, p.entries.values(), core.random));
    const settings = sealSettings(next, vaultId, s.settingsVersion + 1, s.settings, core.random);

    // 3. One transaction.
    await core.commit({ putSlots, deleteSlots, putItems, putPages, settings }, next);
    if (core.session() !== s) {
      wipeVaultKeys(next);
    } else {
      const old = s.keys;
      s.keys = next;
      s.settingsVersion = settings.version;
      s.pages.forEach((p) => (p.generation += 1));
      wipeVaultKeys(old);
    }
  } catch (e) {
    wipeVaultKeys(next);
    throw e;
  }
  return recoveryCode === undefined ? {} : { recoveryCode };
}
