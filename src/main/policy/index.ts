/** Main-process policy: where the files are, loading with fail-closed verification, watching. */
export { osPolicyPath, managedResourcesDir, defaultPolicySources, MANAGED_KEY_FILE, MANAGED_POLICY_FILE } from './paths';
export { loadEffectivePolicy, loadPolicyState, type PolicySourcesOptions, type PolicyState } from './loader';
export { PolicyService, type PolicyChangeEvent, type PolicyChangeListener, type PolicyServiceOptions } from './service';
export { policyChangeAuditEvent } from './audit';
export { policyMessage, pushPolicyTo, type EnginePolicyLink } from './push-to-engine';
export { servePolicyUi } from './serve-ui';
export { keychainPolicySerials, policySerialAccount, type PolicySerialStore } from './serials';
