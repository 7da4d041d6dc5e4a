/** Client side of sync (DESIGN.md §7, docs/sync-protocol.md). */
export { completeOidcEnrolment, createServerApi, enrolDevice, startOidcEnrolment, type DeviceIdentity, type FetchLike, type ServerApi, type SyncClock } from './api';
export { createSyncClient, type SyncClient, type SyncOptions, type SyncReport } from './client';
export { checkStateCoversManifest, signManifest, verifyManifestSignature, type DeviceSigner } from './manifest';
export { fieldMergeResolver, mergeFields, type ConflictResolver, type FieldMap, type FieldValue } from './merge';
export { MemoryQueueStore, MemorySyncStateStore, type QueueStore, type SyncStateStore } from './store';
export { uploadPendingAudit } from './audit-upload';
