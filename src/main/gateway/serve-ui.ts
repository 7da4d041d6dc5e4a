/**
 * Serves GatewayUiContract on one renderer connection and forwards the gateway's
 * events (approval prompts, activity…) to it. Returns the disposer. One line for
 * MainServices.serveRenderer.
 */
import { GatewayUiContract } from '../../shared/contracts/gateway';
import type { Port } from '../../shared/rpc/port';
import { serveRpc, type ServeOptions } from '../../shared/rpc/rpc';
import type { Gateway } from './gateway';

export function serveGatewayUi(gateway: Gateway, port: Port, opts: ServeOptions = {}): { close(): void } {
  const server = serveRpc(port, GatewayUiContract, gateway.uiHandlers, opts);
  const off = gateway.subscribe((event, payload) => server.emit(event, payload));
  return {
    close() {
      off();
      server.close();
    },
  };
}
