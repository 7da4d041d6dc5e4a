/**
 * Key slots: each is one way into the vault. A slot kind turns what the person
 * presents (a password, a recovery code, a security key's hmac-secret) into a KEK;
 * the core seals VK under that KEK (wrap.ts). Adding a kind is one file plus one
 * `registry.register(...)` line (see index.ts).
 */
import type { z } from 'zod';
import type { ErrorCode } from '../../../shared/errors';
import type { Argon2idParams, Kdf } from '../../crypto/kdf';
import type { RandomSource } from '../../crypto/random';
import type { SlotParams, SlotRecord } from '../../store/records';

export interface SlotContext {
  readonly vaultId: string;
  readonly random: RandomSource;
  readonly kdf: Kdf;
  /** argon2id cost for NEW password slots. */
  readonly passwordKdf: Argon2idParams;
  /** The least cost a password slot may use (policy's KDF floor). */
  readonly kdfFloor: Argon2idParams;
  /** The id the new slot will have (set by the engine before create; bound into org-recovery slots). */
  readonly slotId?: string;
  /** Policy's org recovery key (recovery.breakGlass), when break-glass is on. */
  readonly orgRecovery?: { readonly publicKey: Uint8Array; readonly keyId: string };
}

export interface NewSlot {
  readonly params: SlotParams;
  /** Caller wraps VK with it, then wipes it. */
  readonly kek: Uint8Array;
  readonly label: string;
  /** A value to show the person ONCE (a recovery code); never stored. */
  readonly reveal?: string;
}

export interface KeySlotKind<UnlockInput = unknown, CreateInput = unknown> {
  readonly kind: string;
  /** Parses the unlock input at the engine's edge. */
  readonly unlockInput: z.ZodType<UnlockInput>;
  /** Error code when the input does not open any slot of this kind. */
  readonly wrongInputCode: ErrorCode;
  create(ctx: SlotContext, input: CreateInput): Promise<NewSlot>;
  /**
   * Throws (any error) when a stored slot's params are not this kind's layout or are
   * out of bounds; run before the slot is used or accepted from sync, so a crafted
   * slot is named and skipped instead of stopping the unlock.
   */
  checkParams?(slot: SlotRecord): void;
  /** KEK for an existing slot. May throw `wrongInputCode` early (e.g. a recovery code's checksum). */
  deriveKek(ctx: SlotContext, slot: SlotRecord, input: UnlockInput): Promise<Uint8Array>;
  /**
   * On vault-key rotation, when no unlock input for this kind is given: replace the
   * slot with a fresh one (recovery codes). Kinds without it need their input.
   */
  readonly regenerateOnRotation?: boolean;
}

export class SlotRegistry {
  private readonly kinds = new Map<string, KeySlotKind>();

  register<U, C>(kind: KeySlotKind<U, C>): this {
    if (this.kinds.has(kind.kind)) throw new Error(`slot kind ${kind.kind} registered twice`);
    this.kinds.set(kind.kind, kind);
    return this;
  }

  get(kind: string): KeySlotKind | undefined {
    return this.kinds.get(kind);
  }

  list(): string[] {
    return [...this.kinds.keys()];
  }
}
