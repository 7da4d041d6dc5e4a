/**
 * The engine worker's side of org-server sync (DESIGN.md §7). Only used when main says
 * this device is enrolled; otherwise the worker builds the plain engine and none of
 * this runs.
 *
 * The device key stays in main: the worker's signer asks main (`device.sign`), and its
 * FetchLike asks main to perform the HTTP request (`server.fetch`) to the enrolled
 * server. The ServerApi therefore uses an empty base URL: the "URL" it builds is just
 * the protocol path, which main prefixes with the enrolled server's URL.
 *
 * Same four databases per vault as core/vault-sync/device.dexie.ts (vault, -sync,
 * -inbox, -audit); this differs only in where the signer lives.
 */
import { fromBase64url } from '../../core/crypto/bytes';
import type { RandomSource } from '../../core/crypto/random';
import type { Engine, EngineDeps } from '../../core/engine';
import type { VaultStore } from '../../core/store/store';
import type { DeviceSigner, FetchLike } from '../../core/sync';
import { createSyncedDevice } from '../../core/vault-sync/device.dexie';
import type { VaultSync } from '../../core/vault-sync/vault-sync';
import { DeviceEngineContract, type DeviceStatus, type SyncOutcome } from '../../shared/contracts/device';
import { isLatchkeyError, LatchkeyError } from '../../shared/errors';
import type { Port } from '../../shared/rpc/port';
import { connectRpc, type RpcClient } from '../../shared/rpc/rpc';

export type DeviceClient = RpcClient<typeof DeviceEngineContract>;
export type Enrolled = Extract<DeviceStatus, { enrolled: true }>;

/** Quiet time after the last item change before a sync pass (ms). */
export const SYNC_DEBOUNCE_MS = 2_000;
/** Background sync period (ms). */
export const SYNC_PERIOD_MS = 60_000;

/**
 * Asks main whether this device is enrolled. Resolves undefined (plain engine) when main
 * is unreachable, too slow, predates the device contract, or says "not enrolled".
 */
export async function enrolmentFromMain(mainPort: Promise<Port | undefined>, timeoutMs: number): Promise<{ client: DeviceClient; status: Enrolled } | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    const port = await Promise.race([mainPort.catch(() => undefined), timeout]);
    if (port === undefined) return undefined;
    const client = connectRpc(port, DeviceEngineContract, { timeoutMs: 60_000 });
    const status = await Promise.race([client.call('device.status', {}, { timeoutMs }).catch(() => undefined), timeout]);
    if (status === undefined || !status.enrolled) {
      client.close();
      return undefined;
    }
    return { client, status };
  } finally {
    clearTimeout(timer);
  }
}

export interface SyncedEngineOptions {
  readonly dbName: string;
  readonly client: DeviceClient;
  readonly status: Enrolled;
  readonly random: RandomSource;
  readonly engine: Omit<EngineDeps, 'store' | 'audit' | 'random'>;
}

export interface SyncedEngine {
  readonly engine: Engine;
  /** The vault store wrapped by the sync outbox: every write through it is queued for push. */
  readonly store: VaultStore;
  readonly vaultSync: VaultSync;
  /** Starts the schedule: after item changes (debounced), periodically, and after unlock. */
  startSchedule(): void;
}

export function buildSyncedEngine(o: SyncedEngineOptions): SyncedEngine {
  const { client, status } = o;
  const clock = { now: () => Date.now() };
  const signer: DeviceSigner = {
    publicKey: fromBase64url(status.publicKey),
    sign: async (bytes) => (await client.call('device.sign', { bytes })).sig,
  };
  const relay: FetchLike = async (path, init) => {
    const method = init.method;
    if (method !== 'GET' && method !== 'POST' && method !== 'PUT') throw new LatchkeyError('unsupported', `The sync protocol has no ${method} requests.`);
    const r = await client.call('server.fetch', { method, path, headers: init.headers, ...(init.body === undefined ? {} : { body: init.body }) });
    return { status: r.status, text: async () => r.body };
  };
  const identity = { orgId: status.orgId, userId: status.userId, deviceId: status.deviceId };
  const report = (outcome: SyncOutcome): void => {
    void client.call('device.reportSync', outcome).catch(() => undefined);
  };
  // The same composition tests use (createSyncedDevice), with the key kept in main:
  // signing and HTTP go over the device contract.
  const { engine, store, vaultSync } = createSyncedDevice({
    dbName: o.dbName,
    baseUrl: '',
    identity,
    deviceKey: signer,
    fetch: relay,
    random: o.random,
    clock,
    engine: o.engine,
    onRefused: (ids) =>
      report({ at: Date.now(), ok: false, error: { code: 'integrity', message: `${ids.length} record(s) from the server failed the integrity check and were not applied.` } }),
  });

  // One pass at a time; a request during a pass runs once more after it.
  let running = false;
  let again = false;
  const pass = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        try {
          await vaultSync.sync();
          report({ at: Date.now(), ok: true });
        } catch (err) {
          // rollback_detected, integrity, device_revoked, network…: shown in Settings, never fatal.
          const e = isLatchkeyError(err) ? { code: err.code, message: err.message } : { code: 'internal', message: 'Sync failed unexpectedly.' };
          report({ at: Date.now(), ok: false, error: e });
        }
      } while (again);
    } finally {
      running = false;
    }
  };
  let debounce: ReturnType<typeof setTimeout> | undefined;
  const soon = (): void => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void pass(), SYNC_DEBOUNCE_MS);
  };

  return {
    engine,
    store,
    vaultSync,
    startSchedule() {
      engine.subscribe((e) => {
        if (e.type === 'itemsChanged') soon();
        else if (e.type === 'unlocked') void pass();
      });
      setInterval(() => void pass(), SYNC_PERIOD_MS);
      void pass();
    },
  };
}
