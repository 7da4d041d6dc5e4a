/**
 * Audit chain (DESIGN.md §8, docs/audit-format.md): record format and hashing, the
 * device-side append-only log, chain verification (engine, server, CLI), RFC 9162
 * Merkle trees and signed checkpoints.
 */
export { canonicalizeJcs, jcsBytes, type JsonValue } from './jcs';
export {
  AUDIT_ACTOR_TYPES,
  AUDIT_OUTCOMES,
  AUDIT_RECORD_ACTIONS,
  AUDIT_RECORD_VERSION,
  GENESIS_PREV_HASH,
  RECORD_SIGNATURE_CONTEXT,
  auditActorSchema,
  auditEventInputSchema,
  auditOriginSchema,
  auditReasonSchema,
  auditRecordSchema,
  auditTargetSchema,
  auditTimeSchema,
  computeRecordHash,
  computeRecordHashHex,
  deviceIdSchema,
  hashHexSchema,
  issueField,
  recordSignatureInput,
  sigHexSchema,
  unsignedAuditRecordSchema,
  unsignedPart,
  type AuditEventInput,
  type AuditRecord,
  type AuditRecordAction,
  type UnsignedAuditRecord,
} from './record';
export { createEd25519Signer, generateEd25519SecretKey, nobleEd25519Verify, type AuditSigner, type SignatureVerifier } from './signer';
export { MemoryAuditStore, duplicateSeqError, type AuditStore } from './store';
export { auditSinkFor, createAuditLog, type AuditClock, type AuditLog, type AuditLogDeps } from './log';
export {
  CHAIN_FAILURE_REASONS,
  checkRecord,
  verifyAppend,
  verifyChain,
  verifyChainBatched,
  type BatchSignatureVerifier,
  type SignatureCheck,
  type VerifyChainBatchedOptions,
  type AppendCheckSuccess,
  type ChainFailure,
  type ChainFailureReason,
  type ChainHead,
  type ChainResult,
  type ChainSuccess,
  type VerifyAppendOptions,
  type VerifyChainOptions,
} from './chain';
export { MerkleAccumulator, consistencyProof, emptyTreeRoot, inclusionProof, merkleLeafHash, merkleNodeHash, merkleRoot, verifyConsistency, verifyInclusion } from './merkle';
export {
  CHECKPOINT_SIGNATURE_CONTEXT,
  CHECKPOINT_VERSION,
  auditLeafHash,
  checkpointKeyId,
  checkpointSchema,
  checkpointSignatureInput,
  signCheckpoint,
  unsignedCheckpointSchema,
  verifyCheckpointSignature,
  verifyCheckpoints,
  type Checkpoint,
  type CheckpointCheck,
  type CheckpointFailure,
  type CheckpointFailureReason,
  type UnsignedCheckpoint,
} from './checkpoint';
export {
  AUDIT_CSV_COLUMNS,
  auditPublicKeysFileSchema,
  parseJsonLines,
  parsePublicKeyText,
  recordsToCsv,
  recordsToJsonLines,
  type AuditPublicKeysFile,
  type JsonLinesResult,
} from './export';
export { verifyAuditExport, verifyAuditExportBatched, type ExportCheck, type ExportCheckOptions } from './verify-export';
// Adapters, imported by path (they need Dexie / Node): ./audit-store.dexie (createDexieAuditStore),
// src/node/verify.node (createNodeEd25519Verifier, node:crypto and worker threads; import it
// as '.../node/verify.node.js' under tsx) lives outside src/core: it needs Node built-ins.
