/**
 * Serves PolicyUiContract on a page connection: the current policy state on request,
 * and a 'changed' event whenever the PolicyService commits a new state. Display only;
 * enforcement reads the service directly (engine push, gateway, device).
 */
import { PolicyUiContract } from '../../shared/contracts/policy-ui';
import type { Port } from '../../shared/rpc/port';
import { serveRpc, type ServeOptions } from '../../shared/rpc/rpc';
import { policyMessage } from './push-to-engine';
import type { PolicyService } from './service';

export function servePolicyUi(service: PolicyService, port: Port, opts: ServeOptions = {}): { close(): void } {
  const server = serveRpc(port, PolicyUiContract, { 'policy.get': () => policyMessage(service) }, opts);
  const off = service.onChange(() => server.emit('changed', policyMessage(service)));
  return {
    close() {
      off();
      server.close();
    },
  };
}
