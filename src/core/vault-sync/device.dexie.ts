/**
 * Composition of a device on IndexedDB: the engine with its audit sink = this device's
 * signed audit log, from vault creation on, in personal mode (createPersonalDevice)
 * and enrolled (createSyncedDevice). Databases per vault, named from `dbName`:
 *   <dbName>            the vault (engine)
 *   <dbName>-audit      this device's audit chain (both modes: the same chain continues
 *                       after enrolment and its first sync uploads it whole); when it
 *                       holds another device's chain, <dbName>-audit-<deviceId> instead
 *                       (see openDeviceAuditStore)
 *   <dbName>-sync       sync outbox + state (ciphertext, versions)      enrolled only
 *   <dbName>-inbox      pulled records not yet written (ciphertext)     enrolled only
 *
 * The device's Ed25519 key signs audit records (and, enrolled, requests and vault
 * manifests); the caller keeps it (OS keychain in main) and should wipe its copy after
 * this returns — the signer keeps its own. In personal mode the chain's device id is
 * derived from the public key (../sync/device-id.ts), the id enrolment later registers.
 */
import { createEngine, type Engine, type EngineDeps } from '../engine';
import { auditSinkFor, createAuditLog, createEd25519Signer, type AuditLog, type AuditStore } from '../audit';
import { createDexieAuditStore } from '../audit/audit-store.dexie';
import { createAuditReader, type AuditReader } from '../audit/recent';
import type { RandomSource } from '../crypto/random';
import { createDexieStore } from '../store/store.dexie';
import type { VaultStore } from '../store/store';
import { createServerApi, type DeviceIdentity, type DeviceSigner, type FetchLike, type ServerApi, type SyncClock } from '../sync';
import { deviceIdForPublicKey } from '../sync/device-id';
import { openDexieSyncStores } from '../sync/sync-store.dexie';
import { openDexieInbox } from './inbox.dexie';
import { seedSyncOutbox, withSyncOutbox } from './outbox';
import { createVaultSync, type VaultSync } from './vault-sync';

/**
 * This device's chain database: `<dbName>-audit`, unless that holds another device's
 * chain — the device key was lost and made anew (a reset OS keychain), so the id
 * changed. That chain cannot continue under this key (the server would refuse it as
 * another device's, and Activity would report it as not verifying forever), so this
 * device's chain starts in `<dbName>-audit-<deviceId>`, and the old one stays as it is,
 * still verifiable under its own key. Decided on first use, from the last record.
 */
function openDeviceAuditStore(dbName: string, deviceId: string): AuditStore & { close(): void } {
  const primary = createDexieAuditStore({ name: `${dbName}-audit` });
  let own: (AuditStore & { close(): void }) | null = null;
  let choosing: Promise<AuditStore> | null = null;
  const chosen = (): Promise<AuditStore> => {
    choosing ??= (async () => {
      // A row that does not parse is this chain's damage to report, not a sign of another device.
      const last = await primary.last().catch(() => undefined);
      if (last === undefined || last.device === deviceId) return primary;
      own = createDexieAuditStore({ name: `${dbName}-audit-${deviceId}` });
      return own;
    })().catch((e: unknown) => {
      choosing = null;
      throw e;
    });
    return choosing;
  };
  return {
    last: async () => (await chosen()).last(),
    add: async (r) => (await chosen()).add(r),
    range: async (from, limit) => (await chosen()).range(from, limit),
    uploadedThrough: async () => (await chosen()).uploadedThrough(),
    setUploadedThrough: async (seq) => (await chosen()).setUploadedThrough(seq),
    addSeal: async (seal) => (await chosen()).addSeal(seal),
    lastSeal: async () => (await chosen()).lastSeal(),
    seals: async (from, to) => (await chosen()).seals(from, to),
    close() {
      primary.close();
      own?.close();
    },
  };
}

export interface SyncedDeviceOptions {
  /** The vault's IndexedDB database name; the others are derived from it. */
  readonly dbName: string;
  readonly baseUrl: string;
  readonly identity: DeviceIdentity;
  /**
   * The device key registered at enrolment: its 32-byte Ed25519 seed, or a signer that
   * keeps the key elsewhere (the app's key stays in main, reached over RPC).
   */
  readonly deviceKey: Uint8Array | DeviceSigner;
  readonly fetch: FetchLike;
  readonly random: RandomSource;
  readonly clock?: SyncClock;
  /** Everything else the engine needs (kdf, timer, slots, KDF params…). */
  readonly engine: Omit<EngineDeps, 'store' | 'audit' | 'random'>;
  readonly manifestIntervalMs?: number;
  readonly pageSize?: number;
  onRefused?(ids: readonly string[]): void;
}

export interface SyncedDevice {
  readonly engine: Engine;
  /** The vault store wrapped by the sync outbox: every write through it is queued for push. */
  readonly store: VaultStore;
  readonly vaultSync: VaultSync;
  readonly audit: AuditLog;
  /** The chain's newest records, verified (the Activity page). */
  readonly auditReader: AuditReader;
  readonly api: ServerApi;
  close(): void;
}

interface PersonalDeviceOptions {
  /** The vault's IndexedDB database name; the audit chain's is derived from it. */
  readonly dbName: string;
  /** The device key (seed, or a signer that keeps it elsewhere); the chain's id is derived from its public half. */
  readonly deviceKey: Uint8Array | DeviceSigner;
  readonly random: RandomSource;
  readonly clock?: SyncClock;
  readonly engine: Omit<EngineDeps, 'store' | 'audit' | 'random'>;
}

interface PersonalDevice {
  readonly engine: Engine;
  readonly store: VaultStore;
  readonly audit: AuditLog;
  readonly auditReader: AuditReader;
  close(): void;
}

/** Not enrolled: the engine and its signed audit log, nothing that talks to a server. */
export function createPersonalDevice(o: PersonalDeviceOptions): PersonalDevice {
  const owned = o.deviceKey instanceof Uint8Array ? createEd25519Signer(o.deviceKey) : null;
  const signer: DeviceSigner = owned ?? (o.deviceKey as DeviceSigner);
  const deviceId = deviceIdForPublicKey(signer.publicKey);
  const auditStore = openDeviceAuditStore(o.dbName, deviceId);
  const audit = createAuditLog({ store: auditStore, signer, deviceId, ...(o.clock ? { clock: o.clock } : {}) });
  const store = createDexieStore({ name: o.dbName });
  const engine = createEngine({ ...o.engine, random: o.random, store, audit: auditSinkFor(audit) });
  return {
    engine,
    store,
    audit,
    auditReader: createAuditReader({ store: auditStore, deviceId, publicKey: signer.publicKey }),
    close() {
      engine.lock();
      owned?.dispose();
      store.close();
      auditStore.close();
    },
  };
}

export function createSyncedDevice(o: SyncedDeviceOptions): SyncedDevice {
  const clock = o.clock ?? { now: () => Date.now() };
  // A key we were handed as bytes is ours to wipe at close; a signer is its owner's.
  let owned: ReturnType<typeof createEd25519Signer> | null = null;
  let signer: DeviceSigner;
  if (o.deviceKey instanceof Uint8Array) signer = owned = createEd25519Signer(o.deviceKey);
  else signer = o.deviceKey;
  const syncStores = openDexieSyncStores(`${o.dbName}-sync`);
  const inbox = openDexieInbox(`${o.dbName}-inbox`);
  const auditStore = openDeviceAuditStore(o.dbName, o.identity.deviceId);
  const audit = createAuditLog({ store: auditStore, signer, deviceId: o.identity.deviceId, clock });
  const vaultStore = createDexieStore({ name: o.dbName });
  const store = withSyncOutbox(vaultStore, syncStores.queue, o.random, syncStores.state);
  // For policy's "audit upload required": when this device last had its whole log on the
  // server. Kept in memory, so after a restart unlock waits for the first sync pass
  // (which runs at once and uploads even while the vault is locked).
  let lastAuditUploadAt: number | null = null;
  const engine = createEngine({
    lastAuditUploadAt: () => lastAuditUploadAt,
    ...o.engine,
    random: o.random,
    store,
    audit: auditSinkFor(audit),
  });
  const api = createServerApi({ baseUrl: o.baseUrl, fetch: o.fetch, clock, random: o.random, signer, identity: o.identity });
  // A vault that existed before enrolment is queued whole once (seedSyncOutbox), before
  // the first push; a failed attempt is retried on the next sync.
  let seeding: Promise<number> | null = null;
  const seeded = (): Promise<number> => {
    seeding ??= seedSyncOutbox(vaultStore, syncStores.queue, syncStores.state, o.random).catch((e: unknown) => {
      seeding = null;
      throw e;
    });
    return seeding;
  };
  void seeded().catch(() => undefined);
  const inner = createVaultSync({
    engine,
    api,
    queue: syncStores.queue,
    state: syncStores.state,
    inbox,
    signer,
    clock,
    random: o.random,
    audit,
    onAuditUploaded: (at) => {
      lastAuditUploadAt = at;
    },
    ...(o.manifestIntervalMs !== undefined ? { manifestIntervalMs: o.manifestIntervalMs } : {}),
    ...(o.pageSize !== undefined ? { pageSize: o.pageSize } : {}),
    ...(o.onRefused ? { onRefused: o.onRefused } : {}),
  });
  const vaultSync: VaultSync = {
    client: inner.client,
    async sync(opts) {
      await seeded();
      return inner.sync(opts);
    },
    drainInbox: () => inner.drainInbox(),
    refused: () => inner.refused(),
    close: () => inner.close(),
  };
  return {
    engine,
    store,
    vaultSync,
    audit,
    auditReader: createAuditReader({ store: auditStore, deviceId: o.identity.deviceId, publicKey: signer.publicKey }),
    api,
    close() {
      vaultSync.close();
      engine.lock();
      owned?.dispose();
      vaultStore.close();
      syncStores.close();
      inbox.close();
      auditStore.close();
    },
  };
}
