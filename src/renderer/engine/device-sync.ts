/**
 * The engine worker's side of this device's identity (DESIGN.md §7): the signed audit
 * log in personal mode and, once enrolled, org-server sync.
 *
 * The device key stays in main: the worker's signer asks main (`device.sign`), and its
 * FetchLike asks main to perform the HTTP request (`server.fetch`) to the enrolled
 * server. The ServerApi therefore uses an empty base URL: the "URL" it builds is just
 * the protocol path, which main prefixes with the enrolled server's URL.
 *
 * Same databases per vault as core/vault-sync/device.dexie.ts (vault and -audit; when
 * enrolled also -sync and -inbox); this differs only in where the signer lives.
 */
import { fromBase64url } from '../../core/crypto/bytes';
import type { RandomSource } from '../../core/crypto/random';
import type { Engine, EngineDeps } from '../../core/engine';
import type { VaultStore } from '../../core/store/store';
import type { DeviceSigner, FetchLike } from '../../core/sync';
import { createPersonalDevice, createSyncedDevice } from '../../core/vault-sync/device.dexie';
import type { AuditReader } from '../../core/audit/recent';
import { deviceIdForPublicKey } from '../../core/sync/device-id';
import type { VaultSync } from '../../core/vault-sync/vault-sync';
import type { SyncControl } from '../../core/vault/rpc-handlers';
import type { SyncStatus } from '../../shared/contracts/engine';
import { DeviceEngineContract, type DeviceStatus, type SyncOutcome } from '../../shared/contracts/device';
import { revocationDetailsSchema } from '../../shared/contracts/my-devices';
import { isLatchkeyError, LatchkeyError } from '../../shared/errors';
import type { Port } from '../../shared/rpc/port';
import { connectRpc, type RpcClient } from '../../shared/rpc/rpc';

export type DeviceClient = RpcClient<typeof DeviceEngineContract>;
export type Enrolled = Extract<DeviceStatus, { enrolled: true }>;
type Personal = Extract<DeviceStatus, { enrolled: false }>;

/** Quiet time after the last item change before a sync pass (ms). */
export const SYNC_DEBOUNCE_MS = 2_000;
/** Background sync period (ms). */
export const SYNC_PERIOD_MS = 60_000;

/**
 * What main says about this device:
 * - `none`: there is no main (unreachable, or it offers no device identity — the bare
 *   preview server, which has no agent gateway either): no agent can reach the vault,
 *   and the engine keeps no signed log;
 * - `broken`: main is there but did not give the identity in time or refused it: the
 *   engine must not run without its log (every audited action fails with `message`);
 * - `personal` / `enrolled`: the identity the audit chain is signed under.
 */
export type DeviceFromMain =
  | { readonly kind: 'none' }
  | { readonly kind: 'broken'; readonly message: string }
  | { readonly kind: 'personal'; readonly client: DeviceClient; readonly status: Personal }
  | { readonly kind: 'enrolled'; readonly client: DeviceClient; readonly status: Enrolled };

const BROKEN = "Latchkey's app did not give this window the device key that signs the activity log, so nothing can be done that would go unrecorded. Restart Latchkey.";

/** Asks main for this device's identity (personal or enrolled); see {@link DeviceFromMain}. */
export async function deviceFromMain(mainPort: Promise<Port | undefined>, timeoutMs: number): Promise<DeviceFromMain> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const port = await Promise.race([mainPort.catch(() => undefined), timeout]);
    if (port === undefined) return { kind: 'none' };
    if (port === 'timeout') return { kind: 'broken', message: BROKEN };
    const client = connectRpc(port, DeviceEngineContract, { timeoutMs: 60_000 });
    const answer = await Promise.race([
      client.call('device.status', {}, { timeoutMs }).then(
        (status) => ({ status }),
        (error: unknown) => ({ error }),
      ),
      timeout,
    ]);
    if (answer === 'timeout' || 'error' in answer) {
      client.close();
      if (answer !== 'timeout' && isLatchkeyError(answer.error) && answer.error.code === 'rpc_unknown_method') return { kind: 'none' };
      return { kind: 'broken', message: BROKEN };
    }
    const { status } = answer;
    if (status.enrolled) return { kind: 'enrolled', client, status };
    // The id the chain is signed under must be the key's own, or enrolment could never register it.
    if (status.deviceId !== deviceIdForPublicKey(fromBase64url(status.publicKey))) {
      client.close();
      return { kind: 'broken', message: BROKEN };
    }
    return { kind: 'personal', client, status };
  } finally {
    clearTimeout(timer);
  }
}

function mainSigner(client: DeviceClient, publicKey: string): DeviceSigner {
  return {
    publicKey: fromBase64url(publicKey),
    sign: async (bytes) => (await client.call('device.sign', { bytes })).sig,
  };
}

/** Personal mode: the engine with its signed audit log, signed by main's device key. */
export function buildPersonalEngine(o: { dbName: string; client: DeviceClient; status: Personal; random: RandomSource; engine: Omit<EngineDeps, 'store' | 'audit' | 'random'> }): {
  engine: Engine;
  store: VaultStore;
  auditReader: AuditReader;
} {
  const { engine, store, auditReader } = createPersonalDevice({ dbName: o.dbName, deviceKey: mainSigner(o.client, o.status.publicKey), random: o.random, engine: o.engine });
  return { engine, store, auditReader };
}

/** A failed pass as Settings shows it: code and message, and for a revoked device the server's typed reason. */
export function syncError(err: unknown): NonNullable<SyncOutcome['error']> {
  if (!isLatchkeyError(err)) return { code: 'internal', message: 'Sync failed unexpectedly.' };
  const revocation = err.code === 'device_revoked' ? revocationDetailsSchema.safeParse(err.details) : undefined;
  return revocation?.success === true ? { code: err.code, message: err.message, revocation: revocation.data } : { code: err.code, message: err.message };
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
  readonly auditReader: AuditReader;
  /** 'Sync now' and the last-sync status line (Settings → Organisation server). */
  readonly sync: SyncControl;
  /** Starts the schedule: after item changes (debounced), periodically, and after unlock. */
  startSchedule(): void;
}

export function buildSyncedEngine(o: SyncedEngineOptions): SyncedEngine {
  const { client, status } = o;
  const clock = { now: () => Date.now() };
  const signer = mainSigner(client, status.publicKey);
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
  const { engine, store, vaultSync, auditReader } = createSyncedDevice({
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

  // One pass at a time; a request during a pass runs once more after it, and every
  // caller waits for the run that started after its request (so 'Sync now' reports it).
  let state: SyncStatus = { active: true, running: false, lastSuccessAt: null, lastFailure: null };
  let running: Promise<void> | null = null;
  let again = false;
  // Revoked: the server will refuse every request from now on, so no pass runs again
  // (until the app restarts, when the first pass learns it once more).
  let revoked = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const runLoop = async (): Promise<void> => {
    state = { ...state, running: true };
    try {
      do {
        again = false;
        try {
          await vaultSync.sync();
          const at = Date.now();
          state = { ...state, lastSuccessAt: at, lastFailure: null };
          report({ at, ok: true });
        } catch (err) {
          // rollback_detected, integrity, device_revoked, network…: shown in Settings, never fatal.
          const error = syncError(err);
          const at = Date.now();
          state = { ...state, lastFailure: { at, code: error.code, message: error.message } };
          report({ at, ok: false, error });
          if (isLatchkeyError(err, 'device_revoked')) {
            revoked = true;
            clearInterval(timer);
            clearTimeout(debounce);
          }
        }
      } while (again && !revoked);
    } finally {
      running = null;
      state = { ...state, running: false };
    }
  };
  const pass = (): Promise<void> => {
    if (revoked) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = runLoop();
    return running;
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
    auditReader,
    sync: {
      status: () => ({ ...state }),
      now: async () => {
        await pass();
        return { ...state };
      },
    },
    startSchedule() {
      engine.subscribe((e) => {
        // Connected MCP servers live in the settings record: a change syncs like an item's.
        if (e.type === 'itemsChanged' || e.type === 'mcpServersChanged') soon();
        else if (e.type === 'unlocked') void pass();
      });
      timer = setInterval(() => void pass(), SYNC_PERIOD_MS);
      void pass();
    },
  };
}
