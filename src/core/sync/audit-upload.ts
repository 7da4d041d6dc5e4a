/**
 * Uploads a device's pending audit records in batches and acknowledges what the
 * server stored. The server re-verifies every record (signature, chain continuity);
 * a batch it refuses stays pending here, so nothing is dropped silently.
 */
import type { AuditLog } from '../audit';
import type { ServerApi } from './api';

export const AUDIT_UPLOAD_BATCH = 500;

export async function uploadPendingAudit(api: Pick<ServerApi, 'uploadAudit'>, log: Pick<AuditLog, 'pending' | 'acknowledge'>, batchSize = AUDIT_UPLOAD_BATCH): Promise<number> {
  let uploaded = 0;
  for (;;) {
    const batch = await log.pending(batchSize);
    if (batch.length === 0) return uploaded;
    const res = await api.uploadAudit(batch);
    // nextSeq - 1 is the device's head as stored by the server.
    await log.acknowledge(res.nextSeq - 1);
    uploaded += res.accepted;
    if (batch.length < batchSize) return uploaded;
  }
}
