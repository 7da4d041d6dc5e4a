/**
 * Decisions about how the vault may be opened: which slot kinds may be created and
 * used, which authenticators, whether user verification is required, how many
 * hardware keys must stay enrolled, and the argon2id floor for password slots.
 * Called by the engine (slot creation, unlock, slot removal, password change) —
 * never only by the UI, which merely shows the result.
 */
import { LatchkeyError } from '../../shared/errors';
import { BASELINE_ARGON2ID, type Argon2idParams, type EffectivePolicy } from '../../shared/policy';
import { forbiddenByPolicy } from './rule-error';

/** What the engine knows about a hardware-key slot (at enrolment: from attestation). */
export interface HardwareKeyFacts {
  /** Authenticator model id: UUID string, 32 hex digits, or 16 raw bytes. */
  readonly aaguid?: string | Uint8Array;
  /** Whether the slot's hmac-secret is the user-verified one (PIN / biometric). */
  readonly userVerification?: boolean;
  /** A recovery-code slot made by break-glass recovery (IT-issued, docs/break-glass.md). */
  readonly breakGlassCode?: boolean;
}

/** True when the policy requires every unlock to use a hardware key. */
export function hardwareKeyRequired(p: EffectivePolicy): boolean {
  return p.policy?.unlock?.hardwareKeyRequired === true;
}

export function passwordAllowed(p: EffectivePolicy): boolean {
  return !hardwareKeyRequired(p) && p.policy?.unlock?.passwordAllowed !== false;
}

export function recoveryCodeAllowed(p: EffectivePolicy): boolean {
  return p.policy?.unlock?.recoveryCodeAllowed !== false;
}

/** Minimum hardware-key slots the vault must keep (1 when keys are required and no number is given). */
export function requiredHardwareKeys(p: EffectivePolicy): number {
  return p.policy?.unlock?.minEnrolledKeys ?? (hardwareKeyRequired(p) ? 1 : 0);
}

/** How many more hardware keys the person must enrol to satisfy policy (0 = compliant). */
export function hardwareKeyShortfall(p: EffectivePolicy, enrolledKeys: number): number {
  return Math.max(0, requiredHardwareKeys(p) - enrolledKeys);
}

export function userVerificationRequired(p: EffectivePolicy): boolean {
  return p.policy?.unlock?.userVerificationRequired === true;
}

/** Refuses unlocking with a slot of `kind` (and, for hardware keys, what the slot records). */
export function assertUnlockMethodAllowed(p: EffectivePolicy, kind: string, hw: HardwareKeyFacts = {}): void {
  checkMethod(p, kind, 'Unlocking with', hw, false);
}

/** Refuses creating (enrolling) a slot of `kind`. A hardware key must name its AAGUID when a list is set. */
export function assertSlotCreationAllowed(p: EffectivePolicy, kind: string, hw: HardwareKeyFacts = {}): void {
  checkMethod(p, kind, 'Adding', hw, true);
}

/**
 * Refuses removing a slot when that would leave fewer hardware keys than required, or
 * remove the only way in that policy allows. `hardwareKeysAfter`: count once removed.
 */
export function assertSlotRemovalAllowed(p: EffectivePolicy, kind: string, hardwareKeysAfter: number): void {
  const min = requiredHardwareKeys(p);
  if (kind === 'hardware_key' && hardwareKeysAfter < min) {
    throw forbiddenByPolicy(
      p,
      'unlock.minEnrolledKeys',
      `Removing this security key would leave ${hardwareKeysAfter} enrolled; at least ${min} must stay enrolled. Enrol another key first.`,
    );
  }
}

function checkMethod(p: EffectivePolicy, kind: string, verb: string, hw: HardwareKeyFacts, creating: boolean): void {
  if (!p.managed) return;
  switch (kind) {
    case 'password':
      if (hardwareKeyRequired(p)) throw forbiddenByPolicy(p, 'unlock.hardwareKeyRequired', `${verb} a password is refused: a hardware security key is required.`);
      if (!passwordAllowed(p)) throw forbiddenByPolicy(p, 'unlock.passwordAllowed', `${verb} a password is refused.`);
      return;
    case 'recovery_code':
      // A code IT issued by break-glass is not the person's own code: it still opens the
      // vault where policy turns break-glass on, even if personal codes are forbidden.
      if (!recoveryCodeAllowed(p) && !(hw.breakGlassCode === true && !creating && p.policy?.recovery?.breakGlass !== undefined)) {
        throw forbiddenByPolicy(p, 'unlock.recoveryCodeAllowed', `${verb} a recovery code is refused.`);
      }
      return;
    case 'org_recovery':
      // Made by the engine under recovery.breakGlass; never an unlock method on a device.
      if (!creating || p.policy?.recovery?.breakGlass === undefined) {
        throw forbiddenByPolicy(p, 'recovery.breakGlass', `${verb} an organisation-recovery slot is refused: the policy does not turn break-glass recovery on here.`);
      }
      return;
    case 'hardware_key':
      checkAuthenticator(p, hw, verb, creating);
      return;
    default:
      // A slot kind this policy version does not know cannot be judged: when hardware
      // keys are required, refuse it rather than let a new kind bypass the rule.
      if (hardwareKeyRequired(p)) throw forbiddenByPolicy(p, 'unlock.hardwareKeyRequired', `${verb} a "${kind}" slot is refused: a hardware security key is required.`);
  }
}

function checkAuthenticator(p: EffectivePolicy, hw: HardwareKeyFacts, verb: string, creating: boolean): void {
  const list = p.policy?.unlock?.allowedAaguids;
  if (list) {
    const aaguid = hw.aaguid === undefined ? null : normalizeAaguid(hw.aaguid);
    // At enrolment the AAGUID must be known; at unlock it is checked when the slot recorded it.
    if (aaguid === null ? creating : !list.some((a) => a.toLowerCase() === aaguid)) {
      throw forbiddenByPolicy(p, 'unlock.allowedAaguids', `${verb} this security key model (${aaguid ?? 'unknown model'}) is refused: only approved models may be used.`);
    }
  }
  if (userVerificationRequired(p) && hw.userVerification !== true) {
    throw forbiddenByPolicy(p, 'unlock.userVerificationRequired', `${verb} a security key without PIN or biometric verification is refused.`);
  }
}

/**
 * What a new security key must prove about itself (docs/hardware-key.md "Attestation").
 * A managed policy that lists approved models (`allowedAaguids`) or trusted makers
 * (`attestationRoots`) restricts authenticators: enrolment then verifies the key's
 * attestation up to `roots`, and `allowedAaguids` (null = any model those makers
 * certify) is compared with the AAGUID the verified certificate vouches for. Without
 * roots nothing can be verified, so such a policy refuses every new key (fail closed);
 * keys enrolled earlier still unlock by the AAGUID their slot recorded.
 */
export interface AttestationRequirement {
  readonly org: string;
  readonly allowedAaguids: readonly string[] | null;
  readonly roots: readonly string[];
}

/** Null when the policy lets any key enrol (unmanaged, or no authenticator rule). */
export function attestationRequirement(p: EffectivePolicy): AttestationRequirement | null {
  const unlock = p.managed ? p.policy?.unlock : undefined;
  if (!unlock || (unlock.allowedAaguids === undefined && unlock.attestationRoots === undefined)) return null;
  return {
    org: p.orgName ?? 'your organisation',
    allowedAaguids: unlock.allowedAaguids?.map((a) => a.toLowerCase()) ?? null,
    roots: unlock.attestationRoots ?? [],
  };
}

/** Lower-case dashed UUID, or null if `value` is not 16 bytes / 32 hex digits. */
export function normalizeAaguid(value: string | Uint8Array): string | null {
  let hex: string;
  if (typeof value === 'string') {
    hex = value.replace(/-/g, '').toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(hex)) return null;
  } else {
    if (value.length !== 16) return null;
    hex = Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The argon2id parameters a new password slot must at least use: the app baseline raised by policy. */
export function kdfFloor(p: EffectivePolicy): Argon2idParams {
  const floor = p.policy?.kdf?.argon2idFloor;
  if (!floor) return { ...BASELINE_ARGON2ID };
  return {
    memoryKiB: Math.max(BASELINE_ARGON2ID.memoryKiB, floor.memoryKiB),
    iterations: Math.max(BASELINE_ARGON2ID.iterations, floor.iterations),
    parallelism: Math.max(BASELINE_ARGON2ID.parallelism, floor.parallelism),
  };
}

/** True when `params` are at least the floor in every dimension (an older slot may need re-wrapping). */
export function kdfMeetsFloor(p: EffectivePolicy, params: Argon2idParams): boolean {
  const f = kdfFloor(p);
  return params.memoryKiB >= f.memoryKiB && params.iterations >= f.iterations && params.parallelism >= f.parallelism;
}

/** Refuses creating a password slot (or changing the password) with parameters below the floor. */
export function assertKdfParamsAllowed(p: EffectivePolicy, params: Argon2idParams): void {
  if (kdfMeetsFloor(p, params)) return;
  const f = kdfFloor(p);
  const what = `Password key derivation (argon2id m=${params.memoryKiB} KiB, t=${params.iterations}, p=${params.parallelism}) is weaker than the minimum m=${f.memoryKiB} KiB, t=${f.iterations}, p=${f.parallelism}.`;
  const policyFloor = p.policy?.kdf?.argon2idFloor;
  const policyCaused =
    policyFloor !== undefined && (params.memoryKiB < policyFloor.memoryKiB || params.iterations < policyFloor.iterations || params.parallelism < policyFloor.parallelism);
  if (policyCaused) throw forbiddenByPolicy(p, 'kdf.argon2idFloor', what);
  throw new LatchkeyError('kdf_too_weak', what, { memoryKiB: f.memoryKiB, iterations: f.iterations, parallelism: f.parallelism });
}
