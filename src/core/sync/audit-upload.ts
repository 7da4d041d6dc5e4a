/**
 * Uploads a device's pending audit records in batches, each with the device's seals
 * over them (the log signs its head before each batch), and acknowledges what the
 * server stored. The server re-verifies every record and seal (hashes, chain
 * continuity, signatures); a batch it refuses stays pending here, so nothing is
 * dropped silently.
 */
import type { AuditLog } from '../audit';
import type { ServerApi } from './api';

export const AUDIT_UPLOAD_BATCH = 500;

export async function uploadPendingAudit(api: Pick<ServerApi, 'uploadAudit'>, log: Pick<AuditLog, 'pending' | 'acknowledge'>, batchSize = AUDIT_UPLOAD_BATCH): Promise<number> {
  let uploaded = 0;
  for (;;) {
    const { records, seals } = await log.pending(batchSize);
    if (records.length === 0) return uploaded;
    const res = await api.uploadAudit(records, seals);
    // nextSeq - 1 is the device's head as stored by the server.
    await log.acknowledge(res.nextSeq - 1);
    uploaded += res.accepted;
    if (records.length < batchSize) return uploaded;
  }
}
