/**
 * The org audit log for the admin export, filtered (docs/admin-api.md §3.6). Records
 * come out in log order, exactly as stored, so an unfiltered JSON lines export is the
 * file `latchkey audit verify` checks; so is one filtered by device or person only.
 *
 * Streamed: the authenticated, audited admin transaction fixes the log size; the rows
 * below it are then read in pages of log positions, each in its own short tenant
 * transaction, and written out as they come, so memory stays flat at any log size and
 * no transaction stays open while a slow client reads. An unfiltered JSON lines export
 * (the one that verifies, and the one of a million records) passes the stored text
 * through without parsing it: the reader verifies every line anyway, and a page then
 * costs a few strings (../audit/store.ts, exportLinesBetween), not an object and a
 * re-serialised string per record — the difference between the server's peak memory
 * and a plain process streaming the same rows (docs/performance.md, "export memory").
 */
import { AUDIT_CSV_HEADER, recordsToCsvRows, recordsToJsonLines, type AuditExportItem } from '../../core/audit/export';
import type { AuditRecord } from '../../core/audit/record';
import type { AuditExportQuery } from '../../shared/contracts/admin';
import type { Database, SqlClient } from '../db/db';
import { auditLogSize, exportLinesBetween, exportRecordsBetween } from '../audit/store';
import { listDevicesIn } from './admin';

/**
 * Log positions per page, each page its own tenant transaction: up to twice as many
 * rows (a seal per record at most), about 0.4 MB of text, which the unfiltered export
 * reads in pieces (exportLinesBetween). Smaller pages pay a transaction each (pages of
 * 250 exported a third slower); 2,000 held twice the text per page. The plain baseline
 * process of bench/server-audit.bench.ts reads the same pages.
 */
const PAGE_POSITIONS = 1000;

export interface AuditExportPlan {
  readonly orgId: string;
  readonly query: AuditExportQuery;
  /** Log size when the export was authorised: positions 0 … size − 1 are exported. */
  readonly size: number;
  readonly ofPerson: ReadonlySet<string> | undefined;
}

/** Runs in the admin transaction: scopes to the org (refusing an unknown one) and fixes the snapshot. */
export async function planAuditExport(sql: SqlClient, orgId: string, query: AuditExportQuery): Promise<AuditExportPlan> {
  const devices = await listDevicesIn(sql, orgId);
  const ofPerson = query.person === undefined ? undefined : new Set(devices.filter((d) => d.userId === query.person).map((d) => d.deviceId));
  return { orgId, query, size: await auditLogSize(sql, orgId), ofPerson };
}

/** The export's text in chunks (JSON lines or CSV, with the CSV header first). */
export async function* auditExportChunks(db: Database, plan: AuditExportPlan): AsyncGenerator<string> {
  const csv = plan.query.format === 'csv';
  if (csv) yield AUDIT_CSV_HEADER;
  const asStored = !csv && unfiltered(plan);
  for (let from = 0; from < plan.size; from += PAGE_POSITIONS) {
    const to = Math.min(plan.size, from + PAGE_POSITIONS);
    if (asStored) {
      yield* await db.asTenant(plan.orgId, (sql) => exportLinesBetween(sql, plan.orgId, from, to));
      continue;
    }
    const page = await db.asTenant(plan.orgId, (sql) => exportRecordsBetween(sql, plan.orgId, from, to));
    const kept = filterItems(page, plan);
    if (kept.length === 0) continue;
    yield csv ? recordsToCsvRows(kept) : recordsToJsonLines(kept);
  }
}

/** The whole export in memory: for tests and small logs. */
export async function exportAuditIn(sql: SqlClient, orgId: string, q: AuditExportQuery): Promise<AuditExportItem[]> {
  const plan = await planAuditExport(sql, orgId, q);
  return filterItems(await exportRecordsBetween(sql, orgId, 0, plan.size), plan);
}

function unfiltered(plan: AuditExportPlan): boolean {
  const q = plan.query;
  return (
    plan.ofPerson === undefined &&
    q.device === undefined &&
    q.from === undefined &&
    q.to === undefined &&
    q.agent === undefined &&
    q.credential === undefined &&
    q.outcome === undefined
  );
}

function filterItems(items: readonly AuditExportItem[], plan: AuditExportPlan): AuditExportItem[] {
  const q = plan.query;
  // A seal signs a device's whole chain up to a point. Filtering by device or person
  // keeps whole chains, so their seals stay and that export still verifies; any filter
  // on what a record says leaves gaps that no seal covers, so seals go with them.
  const wholeChains = q.from === undefined && q.to === undefined && q.agent === undefined && q.credential === undefined && q.outcome === undefined;
  const ofDevice = (device: string): boolean => (plan.ofPerson === undefined || plan.ofPerson.has(device)) && (q.device === undefined || device === q.device);
  return items.filter((r) => ('type' in r ? wholeChains && ofDevice(r.device) : ofDevice(r.device) && recordMatches(r, q)));
}

function recordMatches(r: AuditRecord, q: AuditExportQuery): boolean {
  return (
    (q.from === undefined || r.time >= q.from) &&
    (q.to === undefined || r.time < q.to) &&
    (q.agent === undefined || (r.actor.type === 'agent' && r.actor.id === q.agent)) &&
    (q.credential === undefined || r.target?.itemId === q.credential) &&
    (q.outcome === undefined || r.outcome === q.outcome)
  );
}
