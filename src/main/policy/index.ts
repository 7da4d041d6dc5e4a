/** Main-process policy: where the files are, loading with fail-closed verification, watching. */
export { osPolicyPath, managedResourcesDir, defaultPolicySources } from './paths';
export { loadEffectivePolicy, loadPolicyState } from './loader';
export { PolicyService, type PolicyChangeEvent } from './service';
export { policyChangeAuditEvent } from './audit';
export { pushPolicyTo, type EnginePolicyLink } from './push-to-engine';
export { servePolicyUi } from './serve-ui';
export { inMemoryPolicySerials, keychainPolicySerials, policySerialAccount } from './serials';
