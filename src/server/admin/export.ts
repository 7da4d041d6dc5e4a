/**
 * The org audit log for the admin export, filtered (docs/admin-api.md §3.6). Records
 * come out in log order, exactly as stored, so an unfiltered JSON lines export is the
 * file `latchkey audit verify` checks; so is one filtered by device or person only.
 */
import type { AuditExportItem } from '../../core/audit';
import type { AuditExportQuery } from '../../shared/contracts/admin';
import type { SqlClient } from '../db/db';
import { exportRecords } from '../audit/store';
import { listDevicesIn } from './admin';

export async function exportAuditIn(sql: SqlClient, orgId: string, q: AuditExportQuery): Promise<AuditExportItem[]> {
  // Also scopes the transaction to the org and refuses an unknown one.
  const devices = await listDevicesIn(sql, orgId);
  const ofPerson = q.person === undefined ? undefined : new Set(devices.filter((d) => d.userId === q.person).map((d) => d.deviceId));
  const records = await exportRecords(sql, orgId);
  // A seal signs a device's whole chain up to a point. Filtering by device or person
  // keeps whole chains, so their seals stay and that export still verifies; any filter
  // on what a record says leaves gaps that no seal covers, so seals go with them.
  const wholeChains = q.from === undefined && q.to === undefined && q.agent === undefined && q.credential === undefined && q.outcome === undefined;
  return records.filter((r) =>
    'type' in r ? wholeChains && (ofPerson === undefined || ofPerson.has(r.device)) && (q.device === undefined || r.device === q.device) : recordMatches(r, q, ofPerson),
  );
}

function recordMatches(r: Exclude<AuditExportItem, { type: 'seal' }>, q: AuditExportQuery, ofPerson: Set<string> | undefined): boolean {
  return (
    (q.from === undefined || r.time >= q.from) &&
    (q.to === undefined || r.time < q.to) &&
    (ofPerson === undefined || ofPerson.has(r.device)) &&
    (q.device === undefined || r.device === q.device) &&
    (q.agent === undefined || (r.actor.type === 'agent' && r.actor.id === q.agent)) &&
    (q.credential === undefined || r.target?.itemId === q.credential) &&
    (q.outcome === undefined || r.outcome === q.outcome)
  );
}
