/**
 * The page's side of the engine worker: starts it, hands it its ports, and returns
 * typed RPC clients. The page never sees a key: it holds only this client.
 */
import { EngineUiContract } from '../../shared/contracts/engine';
import { EngineAuditContract } from '../../shared/contracts/engine-audit';
import { EngineHardwareKeyContract } from '../../shared/contracts/hardware-key';
import { fromMessagePort } from '../../shared/rpc/adapters/message-port.browser';
import { connectRpc, type RpcClient } from '../../shared/rpc/rpc';
import { forgetLocalDatabases, type ForgetScope } from '../../core/vault-sync/local-databases';
import { EngineTransferContract } from './transfer-contract';
import { DEFAULT_DB_NAME, ENGINE_INIT_TYPE, type EngineInit } from './worker-protocol';

export type EngineUi = RpcClient<typeof EngineUiContract>;
export type EngineTransfer = RpcClient<typeof EngineTransferContract>;
export type EngineHardwareKey = RpcClient<typeof EngineHardwareKeyContract>;
export type EngineAudit = RpcClient<typeof EngineAuditContract>;

export interface EngineConnection {
  readonly ui: EngineUi;
  /** Enrol / unlock with / rename security keys (the engine talks to main for the key). */
  readonly hardwareKey: EngineHardwareKey;
  /** The device's signed audit log, verified by the worker (the Activity page). */
  readonly audit: EngineAudit;
  /** Only answered by e2e builds (the worker serves it there). */
  readonly transfer: EngineTransfer;
  close(): void;
  /**
   * Un-enrolment's local half: stops the worker (closing every database it holds open),
   * then deletes this vault's sync state ('sync') or the vault and all of its databases
   * ('all'). The connection is unusable afterwards: the page reloads.
   */
  forgetLocalData(scope: ForgetScope): Promise<void>;
}

export interface StartEngineOptions {
  /** A port to main's services for the worker (Electron); otherwise see mainLink. */
  mainPort?: MessagePort;
  /** Without mainPort: 'websocket' in preview mode, 'none' when there is no main. */
  mainLink?: 'websocket' | 'none';
  dbName?: string;
}

export function startEngine(opts: StartEngineOptions = {}): EngineConnection {
  const worker = new Worker(new URL('../engine.worker.ts', import.meta.url), { type: 'module', name: 'latchkey-engine' });
  const channel = new MessageChannel();
  const dbName = opts.dbName ?? DEFAULT_DB_NAME;
  const init: EngineInit = {
    type: ENGINE_INIT_TYPE,
    mainLink: opts.mainPort !== undefined ? 'port' : (opts.mainLink ?? 'none'),
    dbName,
  };
  const transfer: Transferable[] = opts.mainPort !== undefined ? [channel.port2, opts.mainPort] : [channel.port2];
  worker.postMessage(init, transfer);
  const port = fromMessagePort(channel.port1);
  // Argon2id at the default cost takes ~0.3 s; slow machines get headroom.
  const ui = connectRpc(port, EngineUiContract, { timeoutMs: 60_000 });
  const tr = connectRpc(port, EngineTransferContract, { timeoutMs: 120_000 });
  // Touches and PIN entry are the person's pace: the key service has its own limits.
  const hk = connectRpc(port, EngineHardwareKeyContract, { timeoutMs: 5 * 60_000 });
  const audit = connectRpc(port, EngineAuditContract, { timeoutMs: 60_000 });
  const close = (): void => {
    ui.close();
    tr.close();
    hk.close();
    audit.close();
    port.close();
    worker.terminate();
  };
  return {
    ui,
    transfer: tr,
    hardwareKey: hk,
    audit,
    close,
    async forgetLocalData(scope) {
      close();
      await forgetLocalDatabases(indexedDB, dbName, scope);
    },
  };
}
