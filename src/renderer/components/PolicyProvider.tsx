/**
 * The policy in force, for the page: fetched from main and followed (a replaced policy
 * file shows at once), personal defaults when main is unreachable. Display only — see
 * ../policy-state.ts for why the page never enforces with it.
 */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { PolicyUiContract } from '../../shared/contracts/policy-ui';
import type { PolicyField } from '../../shared/policy';
import type { RpcClient } from '../../shared/rpc/rpc';
import { useMain } from '../main-services';
import { followPolicy, managedLabel, PERSONAL_DEFAULT_STATE, type UiPolicyState } from '../policy-state';

// Default value: a component rendered without a provider sees the personal defaults.
const PolicyContext = createContext<UiPolicyState>(PERSONAL_DEFAULT_STATE);

export function usePolicy(): UiPolicyState {
  return useContext(PolicyContext);
}

/** "Managed by <org>" when the policy locks `field`, else null. */
export function useManagedLabel(field: PolicyField): string | null {
  return managedLabel(usePolicy(), field);
}

/** `client` overrides main's (tests, previews); by default the page's main connection. */
export function PolicyProvider({ children, client }: { children: ReactNode; client?: RpcClient<PolicyUiContract> | null }) {
  const main = useMain();
  const source = client === undefined ? (main?.policy ?? null) : client;
  const [state, setState] = useState<UiPolicyState>(PERSONAL_DEFAULT_STATE);
  useEffect(() => followPolicy(source, setState), [source]);
  return <PolicyContext.Provider value={state}>{children}</PolicyContext.Provider>;
}
