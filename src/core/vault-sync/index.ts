/**
 * The vault engine <-> org sync + audit glue (docs/sync-protocol.md "What the vault
 * syncs"). Platform-free; the IndexedDB inbox is inbox.dexie.ts and the composition
 * for the engine worker is device.dexie.ts (`createSyncedDevice`).
 */
export { META_SYNC_ID, SETTINGS_SYNC_ID, changesOfBatch, decodeRecord, itemSyncId, slotSyncId } from './codec';
