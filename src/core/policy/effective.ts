/**
 * Merging policy layers into the one {@link EffectivePolicy} every decision reads.
 *
 * Precedence, strongest first: the policy baked into a managed build, then the
 * policy at the OS's managed location, then the person's settings. Merging is per
 * field (POLICY_FIELDS): the strongest layer that sets a field decides it and locks it;
 * a weaker managed layer can only fill fields the stronger one left open. The org
 * name comes from the strongest layer. The merged result is validated again, so two
 * layers that contradict each other (build: hardware key required; OS: password
 * allowed) fail closed instead of being resolved by a guess.
 */
import {
  DEFAULT_PERSONAL_SETTINGS,
  POLICY_FIELDS,
  policySchema,
  type EffectivePolicy,
  type LockInfo,
  type PersonalSettings,
  type Policy,
  type PolicyField,
  type PolicySourceKind,
} from '../../shared/policy';
import { describeIssues, policyInvalid } from './signature';

export interface ManagedLayer {
  readonly policy: Policy;
  readonly source: PolicySourceKind;
  /** The file it was read from. */
  readonly path: string;
}

/** The state with no managed policy: the person's settings (or safe defaults) decide everything. */
export function personalPolicy(personal: PersonalSettings = DEFAULT_PERSONAL_SETTINGS): EffectivePolicy {
  return { managed: false, orgName: null, policy: null, locks: {}, personal: { ...personal }, keyId: null };
}

/** `layers` strongest first. Throws 'policy_invalid' when the layers contradict each other. */
export function buildEffectivePolicy(layers: readonly ManagedLayer[], personal: PersonalSettings = DEFAULT_PERSONAL_SETTINGS, keyId: string | null = null): EffectivePolicy {
  const strongest = layers[0];
  if (!strongest) return personalPolicy(personal);
  const merged: Record<string, unknown> = { version: strongest.policy.version, org: { name: strongest.policy.org.name } };
  const locks: Partial<Record<PolicyField, LockInfo>> = {};
  for (const field of POLICY_FIELDS) {
    for (const layer of layers) {
      const value = getPath(layer.policy, field);
      if (value === undefined) continue;
      setPath(merged, field, value);
      locks[field] = { org: strongest.policy.org.name, source: layer.source, path: layer.path };
      break;
    }
  }
  const parsed = policySchema.safeParse(merged);
  if (!parsed.success) {
    const files = layers.map((l) => l.path).join(' and ');
    throw policyInvalid(files, 'conflict', `The managed policies in ${files} contradict each other: ${describeIssues(parsed.error.issues)}.`);
  }
  return { managed: true, orgName: strongest.policy.org.name, policy: parsed.data, locks, personal: { ...personal }, keyId };
}

/** "Managed by <org>" information for the UI; null when the person may change it. */
export function lockedBy(p: EffectivePolicy, field: PolicyField): LockInfo | null {
  return p.locks[field] ?? null;
}

/** The UI's label for a locked setting ("Managed by Acme Corp"), or null when it is the person's. */
export function managedByLabel(p: EffectivePolicy, field: PolicyField): string | null {
  const lock = lockedBy(p, field);
  return lock === null ? null : `Managed by ${lock.org}`;
}

/** The same policy with other personal settings (a settings change needs no re-verification). */
export function withPersonalSettings(p: EffectivePolicy, personal: PersonalSettings): EffectivePolicy {
  return { ...p, personal: { ...personal } };
}

/** The managed value of one field, or undefined when the policy leaves it open. */
export function managedValue(p: EffectivePolicy, field: PolicyField): unknown {
  return p.policy === null ? undefined : getPath(p.policy, field);
}

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = Object.prototype.hasOwnProperty.call(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (typeof next === 'object' && next !== null) {
      cur = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      cur[key] = created;
      cur = created;
    }
  }
  cur[keys[keys.length - 1]!] = value;
}
