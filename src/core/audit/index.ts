/**
 * Audit chain (DESIGN.md §8, docs/audit-format.md): record format and hashing, the
 * device-side append-only log, chain verification (engine, server, CLI), RFC 9162
 * Merkle trees and signed checkpoints.
 */
export { canonicalizeJcs, type JsonValue } from './jcs';
export {
  GENESIS_PREV_HASH,
  auditReasonSchema,
  auditRecordSchema,
  computeRecordHash,
  computeRecordHashHex,
  recordSignatureInput,
  type AuditEventInput,
  type AuditRecord,
} from './record';
export { type AuditSeal } from './seal';
export { createEd25519Signer, generateEd25519SecretKey, type AuditSigner } from './signer';
export { MemoryAuditStore, type AuditStore } from './store';
export { auditSinkFor, createAuditLog, type AuditLog } from './log';
export { inspectAhead, verifyAppend, verifyChain, verifyChainBatched, type ChainHead, type ChainResult } from './chain';
export { MerkleAccumulator, consistencyProof, inclusionProof, merkleLeafHash, merkleRoot, verifyConsistency, verifyInclusion } from './merkle';
export {
  auditLeafHash,
  checkpointSchema,
  signCheckpoint,
  verifyCheckpointConsistency,
  verifyCheckpointSignature,
  verifyCheckpoints,
  verifyRecordInclusion,
  type Checkpoint,
} from './checkpoint';
export { auditPublicKeysFileSchema, parseExportItem, parseJsonLines, type AuditExportItem, parsePublicKeyText, recordsToCsv, recordsToJsonLines } from './export';
export { verifyAuditExport } from './verify-export';
// Adapters, imported by path (they need Dexie / Node): ./audit-store.dexie (createDexieAuditStore),
// src/node/verify.node (createNodeEd25519Verifier, node:crypto and worker threads; import it
// as '.../node/verify.node.js' under tsx) lives outside src/core: it needs Node built-ins.
