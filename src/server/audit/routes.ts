/**
 * Audit routes (signed): batch upload of a device's records, the device's chain state
 * (so a client knows where to resume), the latest signed checkpoint, an inclusion
 * proof for one record, and a consistency proof between two checkpoints. Only the authenticated device's own records are accepted.
 */
import type { FastifyInstance } from 'fastify';
import {
  ROUTES,
  auditStateResponseSchema,
  auditUploadResponseSchema,
  auditUploadSchema,
  checkpointResponseSchema,
  consistencyQuerySchema,
  consistencyResponseSchema,
  proofQuerySchema,
  proofResponseSchema,
} from '../../shared/contracts/sync';
import { LatchkeyError } from '../../shared/errors';
import { toBase64url } from '../../core/crypto/bytes';
import type { Authenticator } from '../http/authenticator';
import type { ServerKey } from '../keys';
import { appendAuditBatch, deviceHead } from './store';
import { latestCheckpointIn, proveConsistencyIn, proveRecordIn } from './checkpoints';

export function registerAuditRoutes(app: FastifyInstance, auth: Authenticator, key: ServerKey): void {
  app.post(ROUTES.auditRecords, async (req) => {
    const out = await auth(req, (who, sql) => {
      const body = auditUploadSchema.parse(req.body);
      return appendAuditBatch(sql, who, body.records, body.seals ?? []);
    });
    return auditUploadResponseSchema.parse(out);
  });

  app.get(ROUTES.auditState, async (req) => {
    const head = await auth(req, (who, sql) => deviceHead(sql, who.orgId, who.deviceId));
    return auditStateResponseSchema.parse({ nextSeq: (head?.seq ?? 0) + 1, lastHash: head?.hash ?? null });
  });

  app.get(ROUTES.checkpoint, async (req) => {
    const cp = await auth(req, (who, sql) => latestCheckpointIn(sql, who.orgId));
    return checkpointResponseSchema.parse({ checkpoint: cp, serverPublicKey: toBase64url(key.publicKey) });
  });

  // A proof names a device of the caller's org only: RLS scopes the lookup, and an id
  // from another org simply finds nothing (same answer as "not covered yet").
  app.get(ROUTES.proof, async (req) => {
    const proof = await auth(req, (who, sql) => {
      const q = proofQuerySchema.parse(req.query);
      return proveRecordIn(sql, who.orgId, q.device, q.seq);
    });
    if (!proof) throw new LatchkeyError('not_found', 'That record is not covered by a checkpoint yet (or does not exist).');
    return proofResponseSchema.parse(proof);
  });

  // The log only grew between two checkpoints the caller holds (RFC 9162 §2.1.4).
  app.get(ROUTES.consistency, async (req) => {
    const proof = await auth(req, (who, sql) => {
      const q = consistencyQuerySchema.parse(req.query);
      return proveConsistencyIn(sql, who.orgId, q.from, q.to);
    });
    if (!proof) throw new LatchkeyError('not_found', 'There is no signed checkpoint of that size (or the older one is larger).');
    return consistencyResponseSchema.parse(proof);
  });
}
