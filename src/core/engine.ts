/**
 * The vault engine: one object that owns VK while unlocked. Platform needs arrive
 * as deps (store, kdf, randomness, clock, timer, audit sink); nothing here touches
 * Node, the DOM or Electron. RPC handlers over it: vault/rpc-handlers.ts.
 */
import type { AuditEvent, EngineSettings, EngineStatus, SlotInfo } from '../shared/contracts/engine';
import { engineSettingsSchema } from '../shared/contracts/engine';
import type { McpServerConfig } from '../shared/mcp-servers';
import * as mcp from './vault/mcp-server-ops';
import { LatchkeyError } from '../shared/errors';
import { slotKindReason } from '../shared/contracts/audit-event';
import type { FieldRef, ItemDraft, ItemSummary, ItemUpdate, ItemView } from '../shared/items';
import { EnvelopeError } from './crypto/aead';
import { collectFreedKeyCopies, constantTimeEqual, offHeapCopy, wipe } from './crypto/bytes';
import { DEFAULT_ARGON2ID, type Argon2idParams, type Kdf } from './crypto/kdf';
import type { RandomSource } from './crypto/random';
import type { EngineEvent, Timer } from './engine-types';
import type { VaultDump } from './store/dump';
import { PAGE_COUNT, VAULT_FORMAT_VERSION, type ItemRecord, type SlotRecord } from './store/records';
import type { VaultStore } from './store/store';
import type { AuditSink } from '../shared/contracts/engine';
import type { EffectivePolicy } from '../shared/policy';
import {
  assertAuditUploadFresh,
  assertAutoLockSettingAllowed,
  assertSlotCreationAllowed,
  assertSlotRemovalAllowed,
  assertUnlockMethodAllowed,
  autoLockMinutes as policyAutoLockMinutes,
  kdfFloor as policyKdfFloor,
  personalPolicy,
  type HardwareKeyFacts,
} from './policy';
import { lockedError, makeAuditor, makeBatchAuditor, type Clock, type EngineCore } from './vault/core';
import { newId } from './vault/ids';
import * as items from './vault/item-ops';
import * as refs from './vault/reference-ops';
import type { SecretReference } from './references';
import * as trash from './vault/trash-ops';
import * as history from './vault/history-ops';
import * as restore from './vault/restore-ops';
import { deriveVaultKeys, wipeVaultKeys } from './vault/keys';
import { applyToHead, sealHead, stateOf } from './vault/head';
import { DEFAULT_SETTINGS, headUnauthenticError, loadVault, noVault, readTrustedHead, sealSettings, slotInHead, startReads } from './vault/open-vault';
import { sealPage } from './vault/pages';
import { VaultScrubSet } from './vault/scrub-set';
import { rotateVaultKey, type RotationInputs } from './vault/rotate';
import * as remote from './vault/remote-apply';
import { announceBreakGlass, breakGlassNotices, orgRecoveryKeyOf, planOrgRecoverySlots } from './vault/break-glass';
import { UnlockedSession, type IntegrityIssue } from './vault/session';
import { createImportService } from './import/service';
import { importLatchkeyExport } from './export/latchkey-export';
import { createExportService } from './export/service';
import {
  createDefaultSlotRegistry,
  ORG_RECOVERY_SLOT,
  PASSWORD_SLOT,
  RECOVERY_SLOT,
  breakGlassOrigin,
  openSlot,
  sealSlot,
  slotDigest,
  slotDigestValid,
  slotProblem,
  type SlotContext,
  type SlotRegistry,
} from './vault/slots';

export interface EngineDeps {
  readonly store: VaultStore;
  readonly kdf: Kdf;
  readonly random: RandomSource;
  /** Defaults to Date.now. */
  readonly clock?: Clock;
  /** Without a timer, idle is still enforced: every call checks it first. */
  readonly timer?: Timer;
  readonly audit?: AuditSink;
  /** Defaults to password + recovery code; the hardware-key kind registers here too. */
  readonly slots?: SlotRegistry;
  /** argon2id for new password slots; default m=64 MiB, t=3, p=1. */
  readonly passwordKdf?: Argon2idParams;
  /** Policy's KDF floor for new password slots; default = the defaults above. */
  readonly kdfFloor?: Argon2idParams;
  /** TESTS/DEV ONLY: lets passwordKdf go below the floor (the params are still recorded in the slot). */
  readonly allowWeakKdfForTesting?: boolean;
  /**
   * The org policy (src/core/policy), read at each decision so a runtime change
   * applies at once; default: personal, unmanaged. Main pushes it to the worker.
   */
  readonly policy?: () => EffectivePolicy;
  /** When this device last uploaded its audit log (epoch ms; null = never), for audit.uploadRequired. */
  readonly lastAuditUploadAt?: () => number | null;
}

export type Engine = ReturnType<typeof createEngine>;

export function createEngine(deps: EngineDeps) {
  const clock: Clock = deps.clock ?? { now: () => Date.now() };
  const registry = deps.slots ?? createDefaultSlotRegistry();
  const passwordKdf = deps.passwordKdf ?? DEFAULT_ARGON2ID;
  const kdfFloor = deps.allowWeakKdfForTesting ? { memoryKiB: 8, iterations: 1, parallelism: 1 } : (deps.kdfFloor ?? DEFAULT_ARGON2ID);
  const auditSink = makeAuditor(deps.audit);
  const listeners = new Set<(e: EngineEvent) => void>();

  let session: UnlockedSession | null = null;
  /** Break-glass slots this engine already told the person about (remote apply or unlock). */
  const announced = new Set<string>();
  let lastActivity = 0;
  let timerHandle: unknown;
  let chain: Promise<unknown> = Promise.resolve();

  const core: EngineCore = {
    store: deps.store,
    random: deps.random,
    clock,
    session() {
      checkIdle();
      if (!session) throw lockedError();
      return session;
    },
    async commit(batch, keys) {
      const s = core.session();
      const next = applyToHead(s.head, batch);
      await deps.store.commit({ ...batch, head: sealHead((keys ?? s.keys).head, s.vaultId, next) });
      if (session === s) s.head = next;
    },
    exclusive<T>(fn: () => Promise<T>): Promise<T> {
      const run = chain.then(fn, fn);
      chain = run.catch(() => undefined);
      return run;
    },
    audit: auditSink,
    auditMany: makeBatchAuditor(deps.audit),
    emit(e) {
      for (const l of listeners) l(e);
    },
  };

  // Results main returns to agents are scrubbed here ('results.scrub'); the matcher is
  // built in the background at unlock, follows item changes in place, dropped at lock.
  const scrubSet = new VaultScrubSet(core);
  listeners.add((e) => scrubSet.onEvent(e));

  const policy = deps.policy ?? (() => personalPolicy());

  // ------------------------------------------------------------ trash purge
  // At unlock and then when the oldest trashed item is due (re-checked at least every
  // PURGE_RECHECK_MS, so a clock that jumps is caught up with); only while something is in the trash.
  let purgeHandle: unknown;
  function clearPurge(): void {
    if (deps.timer && purgeHandle !== undefined) deps.timer.clear(purgeHandle);
    purgeHandle = undefined;
  }
  function schedulePurge(): void {
    clearPurge();
    if (!deps.timer || !session) return;
    const due = trash.nextExpiry(session);
    if (due === null) return;
    purgeHandle = deps.timer.set(
      () => {
        purgeHandle = undefined;
        void purgeQuietly();
      },
      Math.min(PURGE_RECHECK_MS, Math.max(0, due - clock.now())),
    );
  }
  /** A purge that fails (locked meanwhile, audit refused) is retried at the next unlock or timer. */
  async function purgeQuietly(): Promise<void> {
    try {
      if (session) await trash.purgeExpired(core);
    } catch {
      /* retried later */
    }
    schedulePurge();
  }
  /**
   * Not awaited: the purge queues on the write chain, where the scrub matcher's build
   * started by this unlock runs first, and unlock must not wait for that build.
   */
  function purgeAtUnlock(): void {
    const due = session ? trash.nextExpiry(session) : null;
    if (due !== null && due <= clock.now()) void purgeQuietly();
    else schedulePurge();
  }
  listeners.add((e) => {
    if (e.type === 'itemsChanged') schedulePurge();
    else if (e.type === 'locked') clearPurge();
  });

  // Import parses here, in the worker; export decrypts here. Neither is reachable from main.
  const imports = createImportService({
    kdf: deps.kdf,
    random: deps.random,
    requireUnlocked: () => void core.session(),
    importItems: async (drafts) => {
      const made = await items.importItems(core, drafts);
      await auditSink({ action: 'vault.import', actor: { type: 'person' }, outcome: 'success' });
      return made;
    },
    restoreItems: async (list) => {
      const made = await restore.restoreExportedItems(core, list);
      await auditSink({ action: 'vault.import', actor: { type: 'person' }, outcome: 'success' });
      return made;
    },
    openLatchkeyExport: (file, bytes, passphrase) => importLatchkeyExport(file, bytes, passphrase, deps.kdf),
  });
  const exports = createExportService({
    kdf: deps.kdf,
    random: deps.random,
    now: () => clock.now(),
    policy: () => policy(),
    params: () => slotCtx('').passwordKdf,
    readAll: () => restore.readAllItems(core),
    audit: (e) => auditSink(e),
  });

  function slotCtx(vaultId: string): SlotContext {
    const p = policy();
    const org = orgRecoveryKeyOf(p);
    const orgRecovery = org ? { orgRecovery: org } : {};
    if (deps.allowWeakKdfForTesting) return { vaultId, random: deps.random, kdf: deps.kdf, passwordKdf, kdfFloor, ...orgRecovery };
    // Policy raises the floor, and new password slots are made at the policy's floor at
    // least; a configured passwordKdf below the app's own floor is still refused.
    const orgFloor = p.policy?.kdf?.argon2idFloor;
    const floor = maxKdf(kdfFloor, policyKdfFloor(p));
    return { vaultId, random: deps.random, kdf: deps.kdf, passwordKdf: orgFloor ? maxKdf(passwordKdf, orgFloor) : passwordKdf, kdfFloor: floor, ...orgRecovery };
  }

  /**
   * Brings the org-recovery slot in line with policy (vault/break-glass.ts) after the
   * vault opened. A failure here never stops the person's unlock: it is audited and
   * retried at the next one.
   */
  async function syncOrgRecoverySlot(): Promise<void> {
    try {
      const p = policy();
      // Only a managed policy speaks for the organisation: a device without one (a
      // personal build enrolled beside managed ones) leaves the slot as it finds it.
      if (!p.managed) return;
      const plan = await orgRecoveryPlan(p);
      if (plan.add) {
        const { slotId } = await addSlotUnqueued(ORG_RECOVERY_SLOT);
        await auditSink({ action: 'slot.add', actor: { type: 'system' }, target: { slotId }, outcome: 'success', reason: 'org_recovery' });
      }
      if (plan.remove.length > 0) {
        await core.commit({ deleteSlots: plan.remove });
        for (const slotId of plan.remove) await auditSink({ action: 'slot.remove', actor: { type: 'system' }, target: { slotId }, outcome: 'success', reason: 'org_recovery' });
      }
    } catch (e) {
      await auditQuietly({ action: 'slot.add', actor: { type: 'system' }, outcome: 'failure', reason: e instanceof LatchkeyError ? e.code : 'internal' });
    }
  }

  /** What the policy's org recovery key asks of the stored slots (a read, no write). */
  async function orgRecoveryPlan(p: EffectivePolicy): Promise<ReturnType<typeof planOrgRecoverySlots>> {
    const { s, slots } = await readSlotsUnlocked();
    return planOrgRecoverySlots(registry, s.vaultId, slots, orgRecoveryKeyOf(p)?.keyId);
  }

  /** Whether syncOrgRecoverySlot has anything to do. */
  async function orgRecoverySlotsNeedChange(): Promise<boolean> {
    const p = policy();
    if (!p.managed) return false;
    try {
      const plan = await orgRecoveryPlan(p);
      return plan.add || plan.remove.length > 0;
    } catch {
      // Let syncOrgRecoverySlot meet the same error and record it.
      return true;
    }
  }

  /** Failure records must not mask the error the person needs to see. */
  async function auditQuietly(e: AuditEvent): Promise<void> {
    try {
      await auditSink(e);
    } catch {
      /* the original error is what the caller gets */
    }
  }

  // ------------------------------------------------------------ auto-lock

  function idleMs(): number {
    if (!session) return 0;
    // Policy's auto-lock is a maximum over the person's setting (0 = never only when unmanaged).
    const p = policy();
    return policyAutoLockMinutes({ ...p, personal: { ...p.personal, autoLockMinutes: session.settings.autoLockMinutes } }) * 60_000;
  }

  function checkIdle(): void {
    const ms = idleMs();
    if (session && ms > 0 && clock.now() - lastActivity >= ms) lock('idle');
  }

  function schedule(): void {
    if (!deps.timer) return;
    if (timerHandle !== undefined) deps.timer.clear(timerHandle);
    timerHandle = undefined;
    const ms = idleMs();
    if (!session || ms === 0) return;
    timerHandle = deps.timer.set(
      () => {
        timerHandle = undefined;
        checkIdle();
        if (session) schedule();
      },
      Math.max(0, lastActivity + ms - clock.now()),
    );
  }

  function touch(): void {
    checkIdle();
    if (!session) return;
    lastActivity = clock.now();
    schedule();
  }

  function lock(reason: 'user' | 'idle' | 'external' = 'user'): void {
    if (deps.timer && timerHandle !== undefined) deps.timer.clear(timerHandle);
    timerHandle = undefined;
    if (!session) return;
    const s = session;
    session = null;
    imports.clear();
    s.wipe();
    collectFreedKeyCopies();
    void auditQuietly({ action: 'vault.lock', actor: { type: reason === 'idle' ? 'system' : 'person' }, outcome: 'success', reason });
    core.emit({ type: 'locked', reason });
  }

  /** `slot`: the slot that opened VK; it must be one the vault head lists (open-vault.ts). */
  async function startSession(vaultId: string, vk: Uint8Array, issues: IntegrityIssue[], slot: SlotRecord): Promise<void> {
    const reads = startReads(deps.store);
    const meta = await reads.meta;
    if (!meta || meta.vaultId !== vaultId) throw noVault();
    const keys = deriveVaultKeys(vk, vaultId);
    try {
      const head = await readTrustedHead(deps.store, meta, keys, slot.id, reads.head);
      if (!slotInHead(head, slot)) throw headUnauthenticError(slot.id);
      const loaded = await loadVault(deps.store, meta, keys, deps.random, issues, head, reads);
      if (session) lock('external');
      session = new UnlockedSession(vaultId, keys, loaded.pages, loaded.settings, loaded.settingsVersion, issues, loaded.head);
    } catch (e) {
      wipeVaultKeys(keys);
      throw e;
    }
    lastActivity = clock.now();
    schedule();
    core.emit({ type: 'unlocked', vaultId });
  }

  // ------------------------------------------------------------ create / unlock

  async function createVault(password: string): Promise<{ vaultId: string; recoveryCode: string }> {
    return core.exclusive(async () => {
      if (await deps.store.readMeta()) throw new LatchkeyError('vault_exists', 'A vault already exists here.');
      const vaultId = newId(deps.random);
      const vk = deps.random.bytes(32);
      const ctx = slotCtx(vaultId);
      const now = clock.now();
      const pw = await registry.get(PASSWORD_SLOT)!.create(ctx, { password });
      const rc = await registry.get(RECOVERY_SLOT)!.create(ctx, {});
      const putSlots = [pw, rc].map((n, i) => {
        const kind = i === 0 ? PASSWORD_SLOT : RECOVERY_SLOT;
        try {
          return sealSlot(vaultId, { id: newId(deps.random), kind, label: n.label, createdAt: now, params: n.params }, vk, n.kek, deps.random);
        } finally {
          wipe(n.kek);
        }
      });
      const keys = deriveVaultKeys(offHeapCopy(vk), vaultId);
      const putPages = Array.from({ length: PAGE_COUNT }, (_, p) => sealPage(keys.page, vaultId, p, 1, [], deps.random));
      const settings = sealSettings(keys, vaultId, 1, DEFAULT_SETTINGS, deps.random);
      const head = sealHead(keys.head, vaultId, stateOf({ settings, slots: putSlots, pages: putPages, items: [] }));
      wipe(keys.vk, keys.itemWrap, keys.page, keys.settings, keys.head);
      await deps.store.commit({ clear: true, meta: { key: 'vault', formatVersion: VAULT_FORMAT_VERSION, vaultId, createdAt: now }, settings, putSlots, putPages, head });
      await startSession(vaultId, vk, [], putSlots[0]!);
      await auditSink({ action: 'vault.create', actor: { type: 'person' }, outcome: 'success' });
      await syncOrgRecoverySlot();
      return { vaultId, recoveryCode: rc.reveal! };
    });
  }

  /** Generic unlock through any registered slot kind. */
  async function unlock(kindName: string, rawInput: unknown): Promise<{ vaultId: string }> {
    const kind = registry.get(kindName);
    if (!kind) throw new LatchkeyError('unsupported', `Unknown unlock method ${kindName}.`);
    const parsed = kind.unlockInput.safeParse(rawInput);
    if (!parsed.success) throw new LatchkeyError('invalid_input', 'The unlock input is malformed.');
    const meta = await deps.store.readMeta();
    if (!meta) throw noVault();
    const vaultId = meta.vaultId;
    const slots = await deps.store.readSlots();
    // Each slot is checked on its own: a malformed or crafted one is reported and
    // skipped; it never stops a genuine slot from opening the vault.
    const issues: IntegrityIssue[] = [];
    for (const s of slots) {
      const problem = slotProblem(registry, vaultId, s);
      if (problem) issues.push({ where: 'slot', id: s.id, problem });
    }
    const ofKind = slots.filter((s) => s.kind === kindName);
    if (ofKind.length === 0) throw new LatchkeyError('not_found', `This vault cannot be opened with ${kindName}.`);
    const intact = ofKind.filter((s) => !issues.some((i) => i.id === s.id));
    const fail = async (err: LatchkeyError): Promise<never> => {
      await auditQuietly({
        action: 'vault.unlock',
        actor: { type: 'person' },
        outcome: 'failure',
        reason: err.code,
        ...(err.details?.slotId ? { target: { slotId: String(err.details.slotId) } } : {}),
      });
      throw err;
    };
    // Org policy decides before any KDF runs: method allowed, slot's key model/UV, audit uploaded.
    const p = policy();
    let policyRefusal: LatchkeyError | undefined;
    const usable = intact.filter((s) => {
      try {
        assertUnlockMethodAllowed(p, kindName, slotFacts(s));
        return true;
      } catch (e) {
        if (!(e instanceof LatchkeyError)) throw e;
        policyRefusal ??= e;
        return false;
      }
    });
    if (policyRefusal && usable.length === 0 && intact.length > 0) return fail(policyRefusal);
    try {
      assertAuditUploadFresh(p, deps.lastAuditUploadAt?.() ?? null, clock.now());
    } catch (e) {
      if (e instanceof LatchkeyError) return fail(e);
      throw e;
    }
    if (usable.length === 0) {
      return fail(
        new LatchkeyError('integrity', 'The key slot for this unlock method is damaged or was altered. Use another way in (e.g. the recovery code).', { slotId: ofKind[0]!.id }),
      );
    }
    let opened = false;
    let openedBy: SlotRecord | undefined;
    let wrongInput = false;
    let slotError: LatchkeyError | undefined;
    for (const slot of usable) {
      let kek: Uint8Array | undefined;
      let vk: Uint8Array | undefined;
      try {
        kek = await kind.deriveKek(slotCtx(vaultId), slot, parsed.data);
        vk = openSlot(vaultId, slot, kek);
      } catch (e) {
        wipe(vk);
        vk = undefined;
        // The input itself is wrong (e.g. a recovery code's checksum): no slot can help.
        if (e instanceof LatchkeyError && e.code === kind.wrongInputCode) return await fail(e);
        if (e instanceof EnvelopeError) wrongInput = true;
        else if (e instanceof LatchkeyError) {
          // This slot's own parameters are bad (malformed, over the KDF ceiling): report, try the next.
          issues.push({ where: 'slot', id: slot.id, problem: 'malformed' });
          slotError ??= e.details?.slotId ? e : new LatchkeyError(e.code, e.message, { slotId: slot.id });
        } else throw e;
      } finally {
        wipe(kek);
      }
      if (!vk) continue;
      try {
        await startSession(vaultId, vk, issues, slot);
        opened = true;
        openedBy = slot;
        break;
      } catch (e) {
        wipe(vk);
        // Refused by the vault head (an old copy of this slot, or a head that does not
        // verify under the VK it yields): report it and let another slot try.
        if (!(e instanceof LatchkeyError) || e.code !== 'integrity' || e.details?.record !== 'vault_head') throw e;
        if (!issues.some((i) => i.id === slot.id)) issues.push({ where: 'slot', id: slot.id, problem: 'older' });
        slotError = e;
      }
    }
    if (!opened) {
      if (slotError && !wrongInput) return fail(slotError);
      if (slotError && usable.length === 1) return fail(slotError);
      return fail(
        new LatchkeyError(
          kind.wrongInputCode,
          kindName === PASSWORD_SLOT ? 'Wrong password.' : kindName === RECOVERY_SLOT ? 'This recovery code does not open this vault.' : 'This key does not open this vault.',
        ),
      );
    }
    await auditSink({ action: 'vault.unlock', actor: { type: 'person' }, outcome: 'success', reason: slotKindReason(kindName) });
    // A device that first sees a break-glass code by opening the vault with it tells the
    // person too; the unlock itself already succeeded, so a log failure does not undo it.
    if (openedBy && !announced.has(openedBy.id)) {
      announced.add(openedBy.id);
      await announceBreakGlass(core, [openedBy], new Set());
    }
    // Only a slot that must change waits its turn in the queue, where the scrub matcher's
    // background build may be running: an ordinary unlock does not wait for that build.
    if (await orgRecoverySlotsNeedChange()) await core.exclusive(syncOrgRecoverySlot);
    purgeAtUnlock();
    return { vaultId };
  }

  // ------------------------------------------------------------ slots & password

  async function readSlotsUnlocked(): Promise<{ s: UnlockedSession; slots: SlotRecord[] }> {
    core.session();
    const slots = await deps.store.readSlots();
    return { s: core.session(), slots };
  }

  /** Proves the input opens `slot` AND yields this session's VK; returns the KEK (caller wipes). */
  async function proveSlot(s: UnlockedSession, slot: SlotRecord, input: unknown): Promise<Uint8Array> {
    const kind = registry.get(slot.kind);
    if (!kind) throw new LatchkeyError('unsupported', `Unknown slot kind ${slot.kind}.`, { slotId: slot.id });
    const parsed = kind.unlockInput.safeParse(input);
    if (!parsed.success) throw new LatchkeyError('invalid_input', 'The slot input is malformed.', { slotId: slot.id });
    if (!slotDigestValid(s.vaultId, slot)) throw new LatchkeyError('integrity', 'This key slot is damaged or was altered.', { slotId: slot.id });
    const kek = await kind.deriveKek(slotCtx(s.vaultId), slot, parsed.data);
    let vk: Uint8Array | undefined;
    try {
      vk = openSlot(s.vaultId, slot, kek);
      if (!constantTimeEqual(vk, core.session().keys.vk)) throw new EnvelopeError('different vault key');
      return kek;
    } catch (e) {
      wipe(kek);
      if (e instanceof EnvelopeError)
        throw new LatchkeyError(kind.wrongInputCode, slot.kind === PASSWORD_SLOT ? 'The current password is wrong.' : 'That secret does not open this slot.', { slotId: slot.id });
      throw e;
    } finally {
      wipe(vk);
    }
  }

  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return core.exclusive(async () => {
      const { s, slots } = await readSlotsUnlocked();
      const slot = slots.find((x) => x.kind === PASSWORD_SLOT);
      if (!slot) throw new LatchkeyError('not_found', 'This vault has no password to change.');
      try {
        wipe(await proveSlot(s, slot, { password: currentPassword }));
      } catch (e) {
        await auditQuietly({ action: 'vault.change_password', actor: { type: 'person' }, outcome: 'failure', reason: e instanceof LatchkeyError ? e.code : 'internal' });
        throw e;
      }
      const n = await registry.get(PASSWORD_SLOT)!.create(slotCtx(s.vaultId), { password: newPassword });
      let next: SlotRecord;
      try {
        // Re-wrap only: same slot id, same VK, new salt and KEK. No item is touched.
        next = sealSlot(s.vaultId, { id: slot.id, kind: PASSWORD_SLOT, label: slot.label, createdAt: clock.now(), params: n.params }, core.session().keys.vk, n.kek, deps.random);
      } finally {
        wipe(n.kek);
      }
      await core.commit({ putSlots: [next] });
      await auditSink({ action: 'vault.change_password', actor: { type: 'person' }, target: { slotId: slot.id }, outcome: 'success' });
    });
  }

  /** Adds one more way in (e.g. a security key). The vault must be unlocked. */
  async function addSlot(kindName: string, input: unknown, label?: string): Promise<{ slotId: string; reveal?: string }> {
    return core.exclusive(async () => {
      const r = await addSlotUnqueued(kindName, input, label);
      await auditSink({ action: 'slot.add', actor: { type: 'person' }, target: { slotId: r.slotId }, outcome: 'success', reason: slotKindReason(kindName) });
      return r;
    });
  }

  async function removeSlot(slotId: string): Promise<void> {
    return core.exclusive(async () => {
      const { slots } = await readSlotsUnlocked();
      if (!slots.some((x) => x.id === slotId)) throw new LatchkeyError('not_found', 'No such key slot.', { slotId });
      // The org-recovery slot is no way in on a device: it does not count as one.
      if (slots.filter((x) => x.kind !== ORG_RECOVERY_SLOT && x.id !== slotId).length === 0) {
        throw new LatchkeyError('last_slot', 'This is the only way into the vault; add another before removing it.', { slotId });
      }
      const removed = slots.find((x) => x.id === slotId)!;
      assertSlotRemovalAllowed(policy(), removed.kind, slots.filter((x) => x.kind === 'hardware_key' && x.id !== slotId).length);
      await core.commit({ deleteSlots: [slotId] });
      await auditSink({ action: 'slot.remove', actor: { type: 'person' }, target: { slotId }, outcome: 'success' });
    });
  }

  async function regenerateRecoveryCode(): Promise<string> {
    return core.exclusive(async () => {
      const { slots } = await readSlotsUnlocked();
      const old = slots.filter((x) => x.kind === RECOVERY_SLOT).map((x) => x.id);
      const { slotId, reveal } = await addSlotUnqueued(RECOVERY_SLOT);
      if (old.length) await core.commit({ deleteSlots: old });
      await auditSink({ action: 'slot.add', actor: { type: 'person' }, target: { slotId }, outcome: 'success', reason: RECOVERY_SLOT });
      return reveal!;
    });
  }

  async function addSlotUnqueued(kindName: string, input: unknown = {}, label?: string): Promise<{ slotId: string; reveal?: string }> {
    const s = core.session();
    const kind = registry.get(kindName);
    if (!kind) throw new LatchkeyError('unsupported', `Unknown slot kind ${kindName}.`);
    assertSlotCreationAllowed(policy(), kindName, inputFacts(input));
    const id = newId(deps.random);
    const n = await kind.create({ ...slotCtx(s.vaultId), slotId: id }, input);
    try {
      const rec = sealSlot(
        s.vaultId,
        { id, kind: kindName, label: (label ?? n.label).slice(0, 128), createdAt: clock.now(), params: n.params },
        core.session().keys.vk,
        n.kek,
        deps.random,
      );
      await core.commit({ putSlots: [rec] });
    } finally {
      wipe(n.kek);
    }
    return n.reveal === undefined ? { slotId: id } : { slotId: id, reveal: n.reveal };
  }

  /** A slot's label is outside its AAD: only the digest (and so the head) changes. */
  async function relabelSlot(slotId: string, label: string): Promise<void> {
    return core.exclusive(async () => {
      const { s, slots } = await readSlotsUnlocked();
      const slot = slots.find((x) => x.id === slotId);
      if (!slot) throw new LatchkeyError('not_found', 'No such key slot.', { slotId });
      if (!slotDigestValid(s.vaultId, slot)) throw new LatchkeyError('integrity', 'This key slot is damaged or was altered.', { slotId });
      const { digest: _old, ...body } = slot;
      const next = { ...body, label: label.slice(0, 128) };
      await core.commit({ putSlots: [{ ...next, digest: slotDigest(s.vaultId, next) }] });
    });
  }

  async function listSlots(): Promise<SlotInfo[]> {
    const { slots } = await readSlotsUnlocked();
    return slots
      .map((x) => ({ id: x.id, kind: x.kind, label: x.label, createdAt: x.createdAt }))
      .sort((a, b) => a.createdAt - b.createdAt || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  }

  // ------------------------------------------------------------ status & settings

  async function status(): Promise<EngineStatus> {
    checkIdle();
    if (session) {
      return { state: 'unlocked', vaultId: session.vaultId, itemCount: session.size, ...(session.issues.length ? { issues: [...session.issues] } : {}) };
    }
    const meta = await deps.store.readMeta();
    if (!meta) return { state: 'no_vault' };
    const kinds = [...new Set((await deps.store.readSlots()).map((x) => x.kind))].sort();
    return { state: session ? 'unlocked' : 'locked', vaultId: meta.vaultId, slotKinds: kinds };
  }

  async function updateSettings(patch: Partial<Pick<EngineSettings, 'autoLockMinutes'>>): Promise<EngineSettings> {
    return core.exclusive(async () => {
      const s = core.session();
      if (patch.autoLockMinutes !== undefined) assertAutoLockSettingAllowed(policy(), patch.autoLockMinutes);
      const parsed = engineSettingsSchema.safeParse({ ...s.settings, ...(patch.autoLockMinutes === undefined ? {} : { autoLockMinutes: patch.autoLockMinutes }) });
      if (!parsed.success) throw new LatchkeyError('invalid_input', 'Auto-lock must be 0 (never) to 1440 minutes.');
      return writeSettings(parsed.data);
    });
  }

  /** Seals and commits the whole settings record; call inside core.exclusive. */
  async function writeSettings(next: EngineSettings): Promise<EngineSettings> {
    const s = core.session();
    const rec = sealSettings(s.keys, s.vaultId, s.settingsVersion + 1, next, deps.random);
    const serversChanged = JSON.stringify(s.settings.mcpServers ?? null) !== JSON.stringify(next.mcpServers ?? null);
    await core.commit({ settings: rec });
    if (core.session() === s) {
      s.settings = next;
      s.settingsVersion = rec.version;
      schedule();
    }
    if (serversChanged) core.emit({ type: 'mcpServersChanged' });
    return next;
  }

  return {
    status,
    createVault,
    unlock,
    unlockWithPassword: (password: string) => unlock(PASSWORD_SLOT, { password }),
    unlockWithRecoveryCode: (recoveryCode: string) => unlock(RECOVERY_SLOT, { recoveryCode }),
    lock,
    touch,
    isUnlocked: () => {
      checkIdle();
      return session !== null;
    },
    changePassword,
    rotateVaultKey: (inputs: RotationInputs) =>
      core
        .exclusive(() => rotateVaultKey(core, registry, (id) => slotCtx(id), proveSlot, inputs))
        .then(async (r) => {
          await auditSink({ action: 'vault.rotate_key', actor: { type: 'person' }, outcome: 'success' });
          core.emit({ type: 'itemsChanged', change: 'rekeyed', ids: [] });
          return r;
        }),
    addSlot,
    removeSlot,
    regenerateRecoveryCode,
    listSlots,
    /** Break-glass recoveries this vault holds a code from; works while locked (slots are not secret). */
    breakGlassNotices: async () => breakGlassNotices(await deps.store.readSlots()),
    relabelSlot,
    getSettings: (): EngineSettings => ({ ...core.session().settings }),
    updateSettings,
    /** Connected MCP servers (src/shared/mcp-servers.ts), stored in the settings record. */
    listMcpServers: (): McpServerConfig[] => mcp.listMcpServers(core),
    saveMcpServer: (server: McpServerConfig, replaces?: string) => core.exclusive(() => mcp.saveMcpServer(core, writeSettings, server, replaces)),
    removeMcpServer: (name: string) => core.exclusive(() => mcp.removeMcpServer(core, writeSettings, name)),
    listItems: (filter: { kind?: string; tag?: string } = {}): ItemSummary[] => core.session().list(filter),
    /** The first `limit` of listItems(filter) and its length: a page shows a window of a 100k list without receiving all of it. */
    listFirstItems: (filter: { kind?: string; tag?: string }, limit: number): { items: ItemSummary[]; total: number } => core.session().listFirst(filter, limit),
    searchItems: (query: string, limit = 10_000): ItemSummary[] => core.session().search(query, limit),
    getItem: (id: string): Promise<ItemView> => items.getItem(core, id),
    createItem: (draft: ItemDraft) => items.createItem(core, draft),
    /** Many items in one transaction (import). */
    importItems: (drafts: readonly ItemDraft[]) => items.importItems(core, drafts),
    /** Parses a file of another app (src/core/import); nothing is written until importCommit. */
    importPreview: imports.preview,
    importCommit: imports.commit,
    /** Refused when policy forbids export (assertExportAllowed). */
    exportEncrypted: exports.encrypted,
    exportPlaintext: exports.plaintext,
    updateItem: (upd: ItemUpdate) => items.updateItem(core, upd),
    /** Deletes an item for good, in the trash or not ('item.delete' over RPC is trashItem). */
    deleteItem: (id: string) => items.deleteItem(core, id),
    /** Moves the item to the trash (restorable for TRASH_DAYS): the person's delete. */
    trashItem: (id: string) => trash.moveToTrash(core, id),
    listTrash: (): ItemSummary[] => core.session().trash(),
    restoreItem: (id: string) => trash.restoreFromTrash(core, id),
    deleteItemForever: (id: string) => trash.deleteForever(core, id),
    emptyTrash: () => trash.emptyTrash(core),
    /** Deletes what has been in the trash TRASH_DAYS or longer (also run at unlock and on the timer). */
    purgeTrash: () => trash.purgeExpired(core),
    revealPreviousValue: (id: string, version: number, field: FieldRef, purpose: 'reveal' | 'copy' = 'reveal') => history.revealPreviousValue(core, id, version, field, purpose),
    restorePreviousVersion: (id: string, baseVersion: number, version: number) => history.restorePreviousVersion(core, id, baseVersion, version),
    revealField: (id: string, field: FieldRef, purpose: 'reveal' | 'copy' = 'reveal') => items.revealField(core, id, field, purpose),
    totp: (id: string) => items.totpCode(core, id),
    listCredentials: () => items.listCredentials(core),
    useCredential: (itemId: string, agentId?: string) => items.useCredential(core, itemId, agentId),
    /** Which item and field a `latchkey://` reference names, for every kind (never a value). */
    resolveReference: (ref: SecretReference) => refs.resolveItemReference(core, ref),
    /** One field's value for a terminal use main approved and recorded; audited as item.release. */
    releaseReferencedField: (itemId: string, field: string) => refs.releaseReferencedField(core, itemId, field),
    /** Every form of every concealed value in the vault redacted from each text ('results.scrub'). */
    scrubResults: (texts: readonly string[], truncated?: readonly boolean[], echoOf?: string) => scrubSet.scrub(texts, truncated, echoOf),
    /** Main's events (gateway, pairing, policy) into the same chain. */
    appendAudit: (e: AuditEvent) => auditSink(e),
    subscribe(listener: (e: EngineEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    // ---- org sync (src/core/vault-sync). In-worker only, never over RPC: results hold plaintext.
    /** Writes records pulled from the org server (checked under this vault's key; see vault/remote-apply.ts). */
    applyRemoteRecords: (records: remote.RemoteRecords): Promise<remote.RemoteApplyResult> =>
      core.exclusive(async () => {
        const before = new Set((await deps.store.readSlots()).map((x) => x.id));
        const r = await remote.applyRemoteRecords(core, registry, () => session !== null, records);
        if (r.state === 'applied') {
          const arrived = (records.putSlots ?? []).filter((x) => !r.refused.some((f) => f.kind === 'slot' && f.id === x.id) && !announced.has(x.id));
          for (const x of arrived) announced.add(x.id);
          // The records are committed: an audit failure fails this sync pass (so it is seen), not the apply.
          const failure = await announceBreakGlass(core, arrived, before);
          if (failure !== undefined)
            throw failure instanceof Error ? failure : new LatchkeyError('audit_unavailable', 'The break-glass notice could not be written to the audit log.');
        }
        return r;
      }),
    /** Decrypts one item record of this vault (merge input); 'integrity' when it does not authenticate. */
    openItemRecord: (rec: ItemRecord): remote.ItemContent => remote.openItemRecord(core, rec),
    /** Stores a merge result (or kept copy) as a new version above `aboveVersion`; returns the record to push. */
    sealMergedItem: (id: string, content: Omit<remote.ItemContent, 'updatedAt'>, aboveVersion: number): Promise<ItemRecord> =>
      core.exclusive(() => remote.sealMergedItem(core, id, content, aboveVersion)),
    dumpRecords: (): Promise<VaultDump> => deps.store.dumpRecords(),
    /** Replaces the stored vault with a dump; only while locked. */
    async loadRecords(dump: VaultDump): Promise<void> {
      if (session) throw new LatchkeyError('conflict', 'Lock the vault before loading records.');
      await deps.store.loadRecords(dump);
    },
  };
}

/** The longest the purge timer sleeps before looking at the trash again (ms). */
const PURGE_RECHECK_MS = 6 * 60 * 60 * 1000;

// ------------------------------------------------------------ policy helpers

function maxKdf(a: Argon2idParams, b: Argon2idParams): Argon2idParams {
  return { memoryKiB: Math.max(a.memoryKiB, b.memoryKiB), iterations: Math.max(a.iterations, b.iterations), parallelism: Math.max(a.parallelism, b.parallelism) };
}

/** What a hardware-key slot recorded at enrolment (params: aaguid text, uv 0|1); {} for other kinds. */
function slotFacts(slot: SlotRecord): HardwareKeyFacts {
  if (slot.kind === RECOVERY_SLOT) return breakGlassOrigin(slot) ? { breakGlassCode: true } : {};
  const p = slot.params as { aaguid?: unknown; uv?: unknown } | null;
  if (slot.kind !== 'hardware_key' || typeof p !== 'object' || p === null) return {};
  return { ...(typeof p.aaguid === 'string' ? { aaguid: p.aaguid } : {}), userVerification: p.uv === 1 };
}

/** The hardware-key enrolment input carries the key's model and UV (src/core/vault/slots/hardware-key.ts). */
function inputFacts(input: unknown): HardwareKeyFacts {
  if (typeof input !== 'object' || input === null) return {};
  const i = input as { aaguid?: unknown; uv?: unknown };
  return { ...(typeof i.aaguid === 'string' ? { aaguid: i.aaguid } : {}), ...(typeof i.uv === 'boolean' ? { userVerification: i.uv } : {}) };
}
