/**
 * Loads the effective policy from disk, strongest source first:
 *   1. the policy baked into a managed build  (<managedDir>/policy.json)
 *   2. the OS managed location               (osPolicyPath())
 *   3. the person's settings for every field the policy leaves open.
 *
 * Both managed files must be signed by the org key the build pins in
 * <managedDir>/org-policy-key. FAIL CLOSED: any managed file that exists but cannot
 * be trusted, or a build that pins a key but finds no policy at all, yields a
 * 'policy_invalid' error naming the file and the reason; the caller must keep the
 * vault locked. Only "no pinned key and no managed file" means "personal defaults".
 *
 * ROLLBACK: with a serial store (the device's keychain), a verified file whose serial
 * is lower than the highest this device applied from the same key and source is
 * refused the same way, naming both serials; the serials of an accepted policy are
 * remembered only after every layer verified and merged. A store that cannot be read
 * or written also fails closed: an unchecked policy could be yesterday's.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LatchkeyError, toSerializedError, type SerializedError } from '../../shared/errors';
import { DEFAULT_PERSONAL_SETTINGS, type EffectivePolicy, type PersonalSettings } from '../../shared/policy';
import {
  MAX_POLICY_BYTES,
  buildEffectivePolicy,
  parseOrgPublicKey,
  personalPolicy,
  policyInvalid,
  verifySignedPolicyText,
  type ManagedLayer,
  type PinnedOrgKey,
} from '../../core/policy';
import { MANAGED_KEY_FILE, MANAGED_POLICY_FILE } from './paths';
import type { PolicySerialStore } from './serials';

export interface PolicySourcesOptions {
  /** The build's managed resources directory (holds org-policy-key and maybe policy.json); null = none. */
  readonly managedDir: string | null;
  /** The OS managed policy file; null = this platform has none. */
  readonly osPolicyPath: string | null;
  readonly personal?: PersonalSettings;
  /**
   * The device's memory of applied serials: the OS keychain in the app and the preview
   * (keychainPolicySerials). Required, so a composition cannot forget it and silently
   * lose rollback protection; where there is no device to remember for (build-time
   * verification, tests) the caller says so with inMemoryPolicySerials().
   */
  readonly serials: PolicySerialStore;
}

export type PolicyState = { readonly status: 'ok'; readonly policy: EffectivePolicy } | { readonly status: 'invalid'; readonly error: SerializedError };

const FAIL_CLOSED = 'Latchkey will not open the vault until IT fixes or replaces this file.';

/** Throws 'policy_invalid' (fail closed). See the module comment for the rules. */
export async function loadEffectivePolicy(opts: PolicySourcesOptions): Promise<EffectivePolicy> {
  const personal = opts.personal ?? DEFAULT_PERSONAL_SETTINGS;
  const keyPath = opts.managedDir === null ? null : path.join(opts.managedDir, MANAGED_KEY_FILE);
  const bakedPath = opts.managedDir === null ? null : path.join(opts.managedDir, MANAGED_POLICY_FILE);

  const keyText = keyPath === null ? null : await readOptional(keyPath, 64 * 1024);
  const pinned = keyText === null || keyPath === null ? null : withFailClosed(() => parseOrgPublicKey(keyText, keyPath));

  const layers: ManagedLayer[] = [];
  for (const [source, file] of [
    ['build', bakedPath],
    ['os', opts.osPolicyPath],
  ] as const) {
    if (file === null) continue;
    const text = await readOptional(file, MAX_POLICY_BYTES + 1);
    if (text === null) continue;
    if (pinned === null) {
      throw policyInvalid(
        file,
        'no_pinned_key',
        `A managed policy was found at ${file}, but this build of Latchkey pins no org policy key, so it cannot tell IT's policy from an edited one. Install your organisation's managed build, or have IT remove the file.`,
      );
    }
    layers.push({ policy: withFailClosed(() => verifySignedPolicyText(text, pinned, file)), source, path: file });
  }
  if (pinned !== null) await checkSerials(opts.serials, pinned, layers);

  if (layers.length === 0) {
    if (pinned !== null) {
      const where = [bakedPath, opts.osPolicyPath].filter((p): p is string => p !== null).join(' or ');
      throw policyInvalid(where, 'missing', `This managed build of Latchkey requires a policy signed by org key ${pinned.keyId}, but none was found at ${where}. ${FAIL_CLOSED}`);
    }
    return personalPolicy(personal);
  }
  const effective = withFailClosed(() => buildEffectivePolicy(layers, personal, (pinned as PinnedOrgKey).keyId));
  await rememberSerials(opts.serials, pinned as PinnedOrgKey, layers);
  return effective;
}

async function checkSerials(store: PolicySerialStore, pinned: PinnedOrgKey, layers: readonly ManagedLayer[]): Promise<void> {
  for (const layer of layers) {
    const serial = layer.policy.serial ?? 0;
    let highest: number;
    try {
      highest = await store.highest(pinned.publicKey, layer.source);
    } catch {
      throw policyInvalid(
        layer.path,
        'rollback_unchecked',
        `Latchkey cannot read which policy serial it last applied from the OS keychain, so it cannot tell whether ${layer.path} is an older policy put back. Unlock the OS keychain and restart Latchkey. ${FAIL_CLOSED}`,
      );
    }
    if (serial < highest) {
      throw policyInvalid(
        layer.path,
        'rolled_back',
        `Policy file ${layer.path} has serial ${serial === 0 ? '0 (none)' : serial}, but this device already applied serial ${highest} signed by org key ${pinned.keyId}: an older policy cannot replace a newer one. IT must distribute a policy with serial ${highest} or higher. ${FAIL_CLOSED}`,
      );
    }
  }
}

async function rememberSerials(store: PolicySerialStore, pinned: PinnedOrgKey, layers: readonly ManagedLayer[]): Promise<void> {
  for (const layer of layers) {
    const serial = layer.policy.serial ?? 0;
    if (serial === 0) continue;
    try {
      if (serial > (await store.highest(pinned.publicKey, layer.source))) await store.remember(pinned.publicKey, layer.source, serial);
    } catch {
      throw policyInvalid(
        layer.path,
        'rollback_unchecked',
        `Latchkey cannot record in the OS keychain that it applied policy serial ${serial} from ${layer.path}, so it could not refuse an older policy later. Unlock the OS keychain and restart Latchkey. ${FAIL_CLOSED}`,
      );
    }
  }
}

/** The same, as a state value for callers that display rather than throw. */
export async function loadPolicyState(opts: PolicySourcesOptions): Promise<PolicyState> {
  try {
    return { status: 'ok', policy: await loadEffectivePolicy(opts) };
  } catch (err) {
    const error = toSerializedError(err);
    // Anything unexpected while loading policy is still a reason to stay locked.
    return { status: 'invalid', error: error.code === 'policy_invalid' ? error : { code: 'policy_invalid', message: `The policy could not be loaded. ${FAIL_CLOSED}` } };
  }
}

/** Adds the fail-closed sentence to a policy_invalid error from core. */
function withFailClosed<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LatchkeyError && err.code === 'policy_invalid' && !err.message.endsWith(FAIL_CLOSED)) {
      throw new LatchkeyError('policy_invalid', `${err.message} ${FAIL_CLOSED}`, err.details);
    }
    throw err;
  }
}

/** File text, or null when it does not exist. Any other failure to read is fail-closed. */
async function readOptional(file: string, maxBytes: number): Promise<string | null> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw policyInvalid(file, 'unreadable', `Policy file ${file} exists but cannot be read (${code ?? 'error'}). ${FAIL_CLOSED}`);
  }
  if (buf.length > maxBytes) {
    throw policyInvalid(file, 'too_large', `Policy file ${file} is too large (${buf.length} bytes). ${FAIL_CLOSED}`);
  }
  // fatal: true — invalid UTF-8 is malformed, not silently replaced.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf).replace(/^\uFEFF/, '');
  } catch {
    throw policyInvalid(file, 'malformed', `Policy file ${file} is not UTF-8 text. ${FAIL_CLOSED}`);
  }
}
