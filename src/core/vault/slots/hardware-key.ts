/**
 * Hardware-key slot: a FIDO2 credential with hmac-secret opens the vault.
 *
 *   secret = hmac-secret(credential, PRF(prfSalt), uv)        (32 bytes, from the key)
 *   KEK    = HKDF-SHA256(ikm = secret, salt = salt, info = "latchkey/v1/hardware-key-kek")
 *
 * Params (docs/vault-format.md, docs/hardware-key.md): { alg: "fido2-hmac-secret",
 * v: 1, rpId, credentialId (base64url), aaguid (UUID text), uv (0|1),
 * prfSalt (base64url, 32 bytes: the WebAuthn PRF input), salt (base64url, 16 bytes) }.
 * `uv` records which of the credential's two secrets enrolment used; unlock must ask
 * for the same one or the KEK differs. The label is the person-given key name.
 *
 * The key itself is reached through the HardwareKey interface (main serves it); the
 * flows below (enrol, unlock, rename) compose the engine's generic slot methods.
 */
import { z } from 'zod';
import { HARDWARE_KEY_RP_ID, aaguidSchema, type EngineHardwareKeyContract, type EnrolledKey, type HardwareKey, type UvPreference } from '../../../shared/contracts/hardware-key';
import type { RpcHandlers } from '../../../shared/rpc/rpc';
import { LatchkeyError, isLatchkeyError } from '../../../shared/errors';
import { EnvelopeError } from '../../crypto/aead';
import { constantTimeEqual, fromBase64url, toBase64url, utf8ToBytes, wipe } from '../../crypto/bytes';
import { deriveKey } from '../../crypto/hkdf';
import type { RandomSource } from '../../crypto/random';
import type { SlotRecord } from '../../store/records';
import type { VaultStore } from '../../store/store';
import type { KeySlotKind } from './types';

export const HARDWARE_KEY_SLOT = 'hardware_key';
const KEK_LABEL = 'hardware-key-kek';

const b64u = (min: number, max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .min(min)
    .max(max);
const paramsSchema = z.object({
  alg: z.literal('fido2-hmac-secret'),
  v: z.literal(1),
  rpId: z.string().min(1).max(253),
  credentialId: b64u(22, 1364),
  aaguid: aaguidSchema,
  uv: z.union([z.literal(0), z.literal(1)]),
  prfSalt: b64u(43, 43),
  salt: b64u(22, 22),
});

export interface HardwareKeySlotParams {
  rpId: string;
  credentialId: Uint8Array;
  aaguid: string;
  uv: boolean;
  prfSalt: Uint8Array;
  salt: Uint8Array;
}

export function hardwareKeySlotParams(slot: SlotRecord): HardwareKeySlotParams {
  const r = paramsSchema.safeParse(slot.params);
  if (!r.success) throw new LatchkeyError('integrity', 'A security-key slot has malformed parameters.', { slotId: slot.id });
  const p = r.data;
  return { rpId: p.rpId, credentialId: fromBase64url(p.credentialId), aaguid: p.aaguid, uv: p.uv === 1, prfSalt: fromBase64url(p.prfSalt), salt: fromBase64url(p.salt) };
}

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array);
const bytes32 = bytes.refine((b) => b.length === 32);

/** Unlock input: the key's answer for this slot's PRF salt. */
export const hardwareKeyUnlockInput = z.object({ credentialId: bytes.refine((b) => b.length >= 16 && b.length <= 1023), secret: bytes32 });
export type HardwareKeyUnlockInput = z.infer<typeof hardwareKeyUnlockInput>;

const createInputSchema = z.object({
  credentialId: bytes.refine((b) => b.length >= 16 && b.length <= 1023),
  aaguid: aaguidSchema,
  uv: z.boolean(),
  name: z.string().max(128),
  prfSalt: bytes32,
  secret: bytes32,
});

export interface HardwareKeyCreateInput {
  credentialId: Uint8Array;
  aaguid: string;
  uv: boolean;
  name: string;
  /** The PRF input the secret was obtained with. */
  prfSalt: Uint8Array;
  /** hmac-secret output for prfSalt; the caller wipes it. */
  secret: Uint8Array;
}

export const hardwareKeySlot: KeySlotKind<HardwareKeyUnlockInput, HardwareKeyCreateInput> = {
  kind: HARDWARE_KEY_SLOT,
  unlockInput: hardwareKeyUnlockInput,
  wrongInputCode: 'fido_not_enrolled',
  async create(ctx, raw) {
    // The engine hands create() whatever its caller passed: check it like any boundary.
    const parsed = createInputSchema.safeParse(raw);
    if (!parsed.success) throw new LatchkeyError('invalid_input', 'A security-key slot needs a credential id, a model id (AAGUID), and a 32-byte secret and salt.');
    const input = parsed.data;
    const salt = ctx.random.bytes(16);
    return {
      params: {
        alg: 'fido2-hmac-secret',
        v: 1,
        rpId: HARDWARE_KEY_RP_ID,
        credentialId: toBase64url(input.credentialId),
        aaguid: input.aaguid,
        uv: input.uv ? 1 : 0,
        prfSalt: toBase64url(input.prfSalt),
        salt: toBase64url(salt),
      },
      kek: deriveKey(input.secret, salt, KEK_LABEL),
      label: input.name.slice(0, 64) || 'Security key',
    };
  },
  checkParams(slot) {
    hardwareKeySlotParams(slot);
  },
  async deriveKek(_ctx, slot, input) {
    const p = hardwareKeySlotParams(slot);
    // Another key's answer: not this slot. EnvelopeError lets the engine try the next slot.
    if (!constantTimeEqual(p.credentialId, input.credentialId)) throw new EnvelopeError('credential of another slot');
    return deriveKey(input.secret, p.salt, KEK_LABEL);
  },
};

// ------------------------------------------------------------------ flows

/** The engine methods the flows use (src/core/engine.ts). */
export interface SlotEngine {
  unlock(kind: string, input: unknown): Promise<{ vaultId: string }>;
  /** Changes a slot's label through the engine, so the vault head follows. */
  relabelSlot(slotId: string, label: string): Promise<void>;
  addSlot(kind: string, input: unknown, label?: string): Promise<{ slotId: string }>;
  isUnlocked(): boolean;
  /** Counts as activity for auto-lock. */
  touch(): void;
}

function hardwareSlots(slots: SlotRecord[]): Array<{ slot: SlotRecord; p: HardwareKeySlotParams }> {
  const out: Array<{ slot: SlotRecord; p: HardwareKeySlotParams }> = [];
  for (const slot of slots) {
    if (slot.kind !== HARDWARE_KEY_SLOT) continue;
    try {
      out.push({ slot, p: hardwareKeySlotParams(slot) });
    } catch {
      /* a damaged slot is skipped here; the engine reports it */
    }
  }
  return out;
}

export interface EnrolOptions {
  name: string;
  uv?: UvPreference;
  deviceId?: string;
}

/**
 * Adds a security key as one more way in (the vault must be unlocked): makeCredential
 * (touch), then the hmac-secret for a fresh PRF salt (second touch), then a slot.
 */
type AllowKey = (facts: { aaguid: string; userVerification: boolean }) => void;

/** Touch 1: makeCredential; policy gate; touch 2: the secret for a fresh PRF salt. Caller wipes `secret`. */
async function obtainKey(
  deps: { hardwareKey: HardwareKey; random: RandomSource; allowKey?: AllowKey },
  o: EnrolOptions,
  userId: Uint8Array,
  exclude: Uint8Array[],
): Promise<HardwareKeyCreateInput> {
  const dev = o.deviceId === undefined ? {} : { deviceId: o.deviceId };
  const made = await deps.hardwareKey.enrol({ name: o.name, uv: o.uv ?? 'preferred', userId, exclude, ...dev });
  deps.allowKey?.({ aaguid: made.aaguid, userVerification: made.uv });
  const prfSalt = deps.random.bytes(32);
  const got = await deps.hardwareKey.getHmacSecret({ credentialIds: [made.credentialId], salt: prfSalt, uv: made.uv, ...dev });
  return { credentialId: made.credentialId, aaguid: made.aaguid, uv: made.uv, name: o.name, prfSalt, secret: got.secret };
}

/**
 * Adds a security key as one more way in (the vault must be unlocked): makeCredential
 * (touch), then the hmac-secret for a fresh PRF salt (second touch), then a slot.
 * `allowKey` is the policy gate run after the key answered and before anything is
 * written, e.g. `(f) => assertSlotCreationAllowed(policy, 'hardware_key', f)`
 * (src/core/policy/unlock.ts): approved models (AAGUID), user verification required.
 */
export async function enrolHardwareKey(
  deps: { engine: SlotEngine; store: Pick<VaultStore, 'readSlots' | 'readMeta'>; hardwareKey: HardwareKey; random: RandomSource; allowKey?: AllowKey },
  o: EnrolOptions,
): Promise<{ slotId: string; uv: boolean; aaguid: string }> {
  if (!deps.engine.isUnlocked()) throw new LatchkeyError('vault_locked', 'Unlock the vault before adding a security key.');
  const meta = await deps.store.readMeta();
  if (!meta) throw new LatchkeyError('no_vault', 'There is no vault here.');
  const exclude = hardwareSlots(await deps.store.readSlots()).map((s) => s.p.credentialId);
  const input = await obtainKey(deps, o, utf8ToBytes(meta.vaultId), exclude);
  try {
    const { slotId } = await deps.engine.addSlot(HARDWARE_KEY_SLOT, input, o.name);
    return { slotId, uv: input.uv, aaguid: input.aaguid };
  } finally {
    wipe(input.secret);
  }
}

/** The engine methods vault creation with a first key uses. */
export interface VaultCreatingEngine extends SlotEngine {
  createVault(password: string): Promise<{ vaultId: string; recoveryCode: string }>;
  listSlots(): Promise<Array<{ id: string; kind: string }>>;
  removeSlot(slotId: string): Promise<void>;
}

/**
 * Creates the vault with a security key as its first way in. The key answers FIRST
 * (both touches), so a missing touch leaves no half-made vault. Without `password`
 * (policy forbids passwords) the engine's password slot is made with a random
 * throwaway password and removed once the key slot exists: the vault then opens with
 * the key or the recovery code (returned once). Until the engine can create a vault
 * from any first slot, this costs one unused argon2id run.
 */
export async function createVaultWithHardwareKey(
  deps: { engine: VaultCreatingEngine; hardwareKey: HardwareKey; random: RandomSource; allowKey?: AllowKey },
  o: EnrolOptions & { password?: string },
): Promise<{ vaultId: string; recoveryCode: string; slotId: string; uv: boolean; aaguid: string }> {
  const input = await obtainKey(deps, o, deps.random.bytes(16), []);
  try {
    const password = o.password ?? toBase64url(deps.random.bytes(32));
    const { vaultId, recoveryCode } = await deps.engine.createVault(password);
    const { slotId } = await deps.engine.addSlot(HARDWARE_KEY_SLOT, input, o.name);
    if (o.password === undefined) {
      for (const s of await deps.engine.listSlots()) if (s.kind === 'password') await deps.engine.removeSlot(s.id);
    }
    return { vaultId, recoveryCode, slotId, uv: input.uv, aaguid: input.aaguid };
  } finally {
    wipe(input.secret);
  }
}

/**
 * Opens the vault with whichever enrolled key is plugged in. Each slot has its own PRF
 * salt, so slots are tried one by one; the backend probes silently, so only the key
 * that holds the credential asks for a touch.
 */
export async function unlockWithHardwareKey(
  deps: { engine: SlotEngine; store: Pick<VaultStore, 'readSlots'>; hardwareKey: HardwareKey },
  o: { deviceId?: string } = {},
): Promise<{ vaultId: string; slotId: string }> {
  const slots = hardwareSlots(await deps.store.readSlots());
  if (slots.length === 0) throw new LatchkeyError('not_found', 'No security key is enrolled in this vault.');
  for (const { slot, p } of slots) {
    let got: { credentialId: Uint8Array; secret: Uint8Array } | undefined;
    try {
      got = await deps.hardwareKey.getHmacSecret({ credentialIds: [p.credentialId], salt: p.prfSalt, uv: p.uv, ...(o.deviceId === undefined ? {} : { deviceId: o.deviceId }) });
    } catch (e) {
      if (isLatchkeyError(e, 'fido_not_enrolled')) continue;
      throw e;
    }
    try {
      const { vaultId } = await deps.engine.unlock(HARDWARE_KEY_SLOT, { credentialId: got.credentialId, secret: got.secret });
      return { vaultId, slotId: slot.id };
    } finally {
      wipe(got.secret);
    }
  }
  throw new LatchkeyError('fido_not_enrolled', 'This security key is not enrolled in this vault. Try another key or the recovery code.');
}

/**
 * Renames a security-key slot. The label is outside the wrapped key's AAD, so only
 * the digest is recomputed; VK is not needed. Refused while locked.
 */
export async function renameHardwareKeySlot(
  deps: { engine: SlotEngine; store: Pick<VaultStore, 'readSlots' | 'readMeta' | 'commit'> },
  slotId: string,
  name: string,
): Promise<void> {
  if (!deps.engine.isUnlocked()) throw new LatchkeyError('vault_locked', 'Unlock the vault before renaming a key.');
  const clean = name.trim().slice(0, 64);
  if (!clean) throw new LatchkeyError('invalid_input', 'A key needs a name.');
  const slot = (await deps.store.readSlots()).find((s) => s.id === slotId && s.kind === HARDWARE_KEY_SLOT);
  if (!slot) throw new LatchkeyError('not_found', 'No such security key.', { slotId });
  await deps.engine.relabelSlot(slotId, clean);
}

/** Enrolled keys, oldest first (vault unlocked). */
export async function listHardwareKeys(deps: { engine: SlotEngine; store: Pick<VaultStore, 'readSlots'> }): Promise<EnrolledKey[]> {
  if (!deps.engine.isUnlocked()) throw new LatchkeyError('vault_locked', 'Unlock the vault to see its keys.');
  return hardwareSlots(await deps.store.readSlots())
    .map(({ slot, p }) => ({ slotId: slot.id, name: slot.label, aaguid: p.aaguid, uv: p.uv, createdAt: slot.createdAt }))
    .sort((a, b) => a.createdAt - b.createdAt);
}

export interface HardwareKeyFlowDeps {
  engine: VaultCreatingEngine;
  store: Pick<VaultStore, 'readSlots' | 'readMeta' | 'commit'>;
  hardwareKey: HardwareKey;
  random: RandomSource;
  /** See enrolHardwareKey. */
  allowKey?: AllowKey;
}

/** Engine-worker handlers: `serveRpc(uiPort, EngineHardwareKeyContract, engineHardwareKeyHandlers(deps))`. */
export function engineHardwareKeyHandlers(deps: HardwareKeyFlowDeps): RpcHandlers<EngineHardwareKeyContract> {
  const opt = (deviceId: string | undefined) => (deviceId === undefined ? {} : { deviceId });
  return {
    'hardwareKey.createVault': ({ name, uv, deviceId, password }) =>
      createVaultWithHardwareKey(deps, { name, ...(uv === undefined ? {} : { uv }), ...opt(deviceId), ...(password === undefined ? {} : { password }) }),
    'hardwareKey.unlock': ({ deviceId }) => unlockWithHardwareKey(deps, opt(deviceId)),
    'hardwareKey.enrol': async ({ name, uv, deviceId }) => {
      deps.engine.touch();
      return enrolHardwareKey(deps, { name, ...(uv === undefined ? {} : { uv }), ...opt(deviceId) });
    },
    'hardwareKey.rename': async ({ slotId, name }) => {
      deps.engine.touch();
      await renameHardwareKeySlot(deps, slotId, name);
      return { ok: true } as const;
    },
    'hardwareKey.list': async () => {
      deps.engine.touch();
      return { keys: await listHardwareKeys(deps) };
    },
  };
}
