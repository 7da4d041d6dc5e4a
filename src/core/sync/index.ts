/** Client side of sync (DESIGN.md §7, docs/sync-protocol.md). */
export { createServerApi, enrolDevice, type DeviceIdentity, type FetchLike, type ServerApi, type ServerApiDeps, type SyncClock } from './api';
export { createSyncClient, type LocalChange, type SyncClient, type SyncClientDeps, type SyncOptions, type SyncReport } from './client';
export { MANIFEST_SIGNATURE_CONTEXT, checkStateCoversManifest, manifestSigningBytes, signManifest, verifyManifestSignature, type DeviceSigner } from './manifest';
export { fieldMergeResolver, mergeFields, type ConflictInput, type ConflictResolution, type ConflictResolver, type FieldCodec, type FieldMap, type FieldValue } from './merge';
export { INITIAL_META, MemoryQueueStore, MemorySyncStateStore, type KnownRecord, type QueueStore, type QueuedChange, type SyncMeta, type SyncStateStore } from './store';
export { AUDIT_UPLOAD_BATCH, uploadPendingAudit } from './audit-upload';
