/** What the gateway needs to run agents' commands in proxy mode (wired in compose.ts). */
import type { DeviceCa } from './ca';
import type { ProxyOptions } from './proxy';

export interface RunProxyConfig {
  /** The per-device CA (loadOrCreateDeviceCa(keychain)). */
  readonly ca: () => Promise<DeviceCa>;
  /** CONNECT to a host no credential of the run names. Default 'tunnel'. */
  readonly otherHosts?: 'tunnel' | 'refuse';
  /** Tests only: where hosts are, and the upstream and tunnelled hosts' test CA. */
  readonly dial?: ProxyOptions['dial'];
  readonly upstreamCa?: readonly string[];
  readonly extraChildCa?: readonly string[];
}
