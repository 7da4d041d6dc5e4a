/**
 * An AuditStore that keeps only the head and the last seal and hands every row to
 * `sink`: writing a log of a million records through the real AuditLog without holding
 * them (the audit verify and the server export benches both build such logs).
 */
import type { AuditRecord, AuditSeal, AuditStore } from '../../src/core/audit';

export function streamingAuditStore(sink: (row: AuditRecord | AuditSeal) => void): AuditStore {
  let last: AuditRecord | undefined;
  let lastSeal: AuditSeal | undefined;
  return {
    last: async () => last,
    add: async (r) => {
      sink(r);
      last = r;
    },
    addMany: async (rs) => {
      for (const r of rs) sink(r);
      last = rs[rs.length - 1] ?? last;
    },
    range: async () => [],
    uploadedThrough: async () => 0,
    setUploadedThrough: async () => undefined,
    addSeal: async (x) => {
      sink(x);
      lastSeal = x;
    },
    lastSeal: async () => lastSeal,
    seals: async () => [],
  };
}
