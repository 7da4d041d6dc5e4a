/**
 * The page's own connection to main's services (gateway UI, hardware keys). Separate
 * from the engine worker's connection: the page asks main for lists, prompts and
 * events; nothing on it carries a vault secret (an agent's token, once, is the only
 * secret, shown to the person at pairing).
 */
import { createContext, useContext } from 'react';
import { DevicePageContract } from '../shared/contracts/device';
import { GatewayUiContract } from '../shared/contracts/gateway';
import { HardwareKeyContract } from '../shared/contracts/hardware-key';
import { PolicyUiContract } from '../shared/contracts/policy-ui';
import { connectRpc, type RpcClient } from '../shared/rpc/rpc';
import { connectMain } from './platform/connect-main';

export interface MainClients {
  readonly gateway: RpcClient<typeof GatewayUiContract>;
  readonly hardwareKey: RpcClient<typeof HardwareKeyContract>;
  /** Org-server enrolment (Settings). */
  readonly device: RpcClient<typeof DevicePageContract>;
  /** The policy in force, for display (locked settings, clipboard time, unlock errors). */
  readonly policy: RpcClient<typeof PolicyUiContract>;
}

export async function connectMainClients(): Promise<MainClients> {
  const port = await connectMain();
  return {
    gateway: connectRpc(port, GatewayUiContract),
    // Enrolment and unlock wait for a touch or a PIN: long timeouts (the service has its own).
    hardwareKey: connectRpc(port, HardwareKeyContract, { timeoutMs: 5 * 60_000 }),
    // Enrolment waits for the org server over the network.
    device: connectRpc(port, DevicePageContract, { timeoutMs: 60_000 }),
    policy: connectRpc(port, PolicyUiContract),
  };
}

/** null when main could not be reached (the vault still works; agent and key pages say so). */
export const MainContext = createContext<MainClients | null>(null);

export function useMain(): MainClients | null {
  return useContext(MainContext);
}
