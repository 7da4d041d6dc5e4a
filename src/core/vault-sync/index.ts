/**
 * The vault engine <-> org sync + audit glue (docs/sync-protocol.md "What the vault
 * syncs"). Platform-free; the IndexedDB inbox is inbox.dexie.ts and the composition
 * for the engine worker is device.dexie.ts (`createSyncedDevice`).
 */
export { seedSyncOutbox, withSyncOutbox } from './outbox';
export { MemoryInboxStore, type InboxStore } from './inbox';
export { createVaultSync, type VaultSync, type VaultSyncDeps, type VaultSyncEngine, type VaultSyncReport } from './vault-sync';
export { META_SYNC_ID, SETTINGS_SYNC_ID, changesOfBatch, decodeRecord, encodeItem, itemSyncId, parseSyncId, slotSyncId } from './codec';
