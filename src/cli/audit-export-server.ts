/**
 * `latchkey audit export --server URL --admin-key FILE --org ORG …`: the org's audit
 * log from a running server over the admin API (docs/admin-api.md §3.6), with the
 * filters passed through as the query, and optionally the checkpoints and public keys
 * `latchkey audit verify` needs. The JSON lines are written byte for byte as the
 * server sent them (the existing export format).
 */
import { writeFile } from 'node:fs/promises';
import { LatchkeyError } from '../shared/errors';
import { uuidSchema } from '../shared/contracts/sync';
import { ADMIN_ROUTES, AUDIT_EXPORT_FILTERS, auditCheckpointsResponseSchema, auditExportQuerySchema, auditKeysResponseSchema } from '../shared/contracts/admin';
import { createAdminClient } from './admin-client';

/** CLI option → query member: `--from` already names the input file of `audit export`, so the period is --since/--until. */
const CLI_NAME = { from: 'since', to: 'until', person: 'person', device: 'device', agent: 'agent', credential: 'credential', outcome: 'outcome' } as const;
type Filter = (typeof AUDIT_EXPORT_FILTERS)[number];
type FilterOption = (typeof CLI_NAME)[Filter];
export const AUDIT_EXPORT_FILTER_OPTIONS = Object.fromEntries(AUDIT_EXPORT_FILTERS.map((f) => [CLI_NAME[f], { type: 'string' }] as const)) as {
  [K in FilterOption]: { type: 'string' };
};

/** The filters given on the command line, by query member. */
export function filtersFromOptions(values: Partial<Record<FilterOption, unknown>>): Partial<Record<Filter, string>> {
  const out: Partial<Record<Filter, string>> = {};
  for (const f of AUDIT_EXPORT_FILTERS) {
    const v = values[CLI_NAME[f]];
    if (typeof v === 'string') out[f] = v;
  }
  return out;
}

interface ServerExportArgs {
  readonly server: string;
  readonly adminKey: string | undefined;
  readonly org: string | undefined;
  readonly format: 'jsonl' | 'csv';
  readonly filters: Partial<Record<Filter, string>>;
  readonly out: string | undefined;
  readonly checkpointsOut: string | undefined;
  readonly pubkeysOut: string | undefined;
}

async function write(path: string, text: string, what: string): Promise<void> {
  try {
    await writeFile(path, text, { mode: 0o644 });
  } catch {
    throw new LatchkeyError('internal', `cannot write the ${what} file ${path}`);
  }
}

/** Returns the export text and how many records it holds. */
export async function exportFromServer(a: ServerExportArgs): Promise<{ text: string; records: number }> {
  if (a.adminKey === undefined) throw new LatchkeyError('invalid_input', '--admin-key FILE is required with --server');
  if (a.org === undefined || !uuidSchema.safeParse(a.org).success) throw new LatchkeyError('invalid_input', '--org ORG (an organisation id) is required with --server');
  const query = { format: a.format, ...Object.fromEntries(Object.entries(a.filters).filter(([, v]) => v !== undefined)) };
  const checked = auditExportQuerySchema.safeParse(query);
  const bad = checked.success ? undefined : String(checked.error.issues[0]?.path[0] ?? 'filter');
  if (!checked.success)
    throw new LatchkeyError('invalid_input', `--${CLI_NAME[bad as Filter] ?? bad} is not valid (times like 2026-01-02T03:04:05.678Z, ids as shown by list commands)`);
  const api = await createAdminClient(a.server, a.adminKey);
  const qs = new URLSearchParams(Object.entries(checked.data).map(([k, v]) => [k, v])).toString();
  const text = await api.text(`${ADMIN_ROUTES.audit(a.org)}?${qs}`);
  if (a.checkpointsOut !== undefined) {
    const { checkpoints } = await api.json('GET', ADMIN_ROUTES.auditCheckpoints(a.org), auditCheckpointsResponseSchema);
    await write(a.checkpointsOut, checkpoints.map((c) => JSON.stringify(c) + '\n').join(''), 'checkpoints');
  }
  if (a.pubkeysOut !== undefined) {
    const keys = await api.json('GET', ADMIN_ROUTES.auditKeys(a.org), auditKeysResponseSchema);
    await write(a.pubkeysOut, JSON.stringify(keys, null, 2) + '\n', 'public keys');
  }
  const lines = text.split('\n').filter((l) => l !== '').length;
  return { text, records: a.format === 'csv' ? Math.max(0, text.split('\r\n').filter((l) => l !== '').length - 1) : lines };
}
