/**
 * `latchkey audit export --server URL --admin-key FILE --org ORG …`: the org's audit
 * log from a running server over the admin API (docs/admin-api.md §3.6), with the
 * filters passed through as the query, and optionally the checkpoints and public keys
 * `latchkey audit verify` needs. The JSON lines are written byte for byte as the
 * server sent them (the existing export format), as they arrive: memory stays flat.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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

/**
 * Streams the export to `out` (through a temporary file renamed into place once the
 * whole body arrived, so a cut-off export never leaves a file that looks complete) or,
 * without `out`, to `print` as it arrives. Returns how many records it held.
 */
export async function exportFromServer(a: ServerExportArgs, print: (text: string) => void): Promise<{ records: number }> {
  if (a.adminKey === undefined) throw new LatchkeyError('invalid_input', '--admin-key FILE is required with --server');
  if (a.org === undefined || !uuidSchema.safeParse(a.org).success) throw new LatchkeyError('invalid_input', '--org ORG (an organisation id) is required with --server');
  const query = { format: a.format, ...Object.fromEntries(Object.entries(a.filters).filter(([, v]) => v !== undefined)) };
  const checked = auditExportQuerySchema.safeParse(query);
  const bad = checked.success ? undefined : String(checked.error.issues[0]?.path[0] ?? 'filter');
  if (!checked.success)
    throw new LatchkeyError('invalid_input', `--${CLI_NAME[bad as Filter] ?? bad} is not valid (times like 2026-01-02T03:04:05.678Z, ids as shown by list commands)`);
  const api = await createAdminClient(a.server, a.adminKey);
  const qs = new URLSearchParams(Object.entries(checked.data).map(([k, v]) => [k, v])).toString();
  const counter = lineCounter(a.format);
  const body = api.stream(`${ADMIN_ROUTES.audit(a.org)}?${qs}`);
  if (a.out === undefined) {
    const decoder = new TextDecoder();
    for await (const chunk of body) {
      counter.add(chunk);
      print(decoder.decode(chunk, { stream: true }));
    }
    print(decoder.decode());
    if (!counter.ended()) throw incomplete();
  } else await streamToFile(a.out, body, counter);
  if (a.checkpointsOut !== undefined) {
    const { checkpoints } = await api.json('GET', ADMIN_ROUTES.auditCheckpoints(a.org), auditCheckpointsResponseSchema);
    await write(a.checkpointsOut, checkpoints.map((c) => JSON.stringify(c) + '\n').join(''), 'checkpoints');
  }
  if (a.pubkeysOut !== undefined) {
    const keys = await api.json('GET', ADMIN_ROUTES.auditKeys(a.org), auditKeysResponseSchema);
    await write(a.pubkeysOut, JSON.stringify(keys, null, 2) + '\n', 'public keys');
  }
  return { records: counter.records() };
}

function incomplete(): LatchkeyError {
  return new LatchkeyError('upstream_failed', 'The server ended the export inside a line, so it is incomplete; nothing was written. Try again.');
}

async function streamToFile(path: string, body: AsyncIterable<Uint8Array>, counter: LineCounter): Promise<void> {
  const partial = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  let file: FileHandle;
  try {
    file = await open(partial, 'wx', 0o644);
  } catch {
    throw new LatchkeyError('internal', `cannot write the output file ${path}`);
  }
  let complete = false;
  try {
    for await (const chunk of body) {
      counter.add(chunk);
      await file.write(chunk);
    }
    if (!counter.ended()) throw incomplete();
    await file.close();
    await rename(partial, path);
    complete = true;
  } finally {
    if (!complete) {
      await file.close().catch(() => undefined);
      await unlink(partial).catch(() => undefined);
    }
  }
}

interface LineCounter {
  add(chunk: Uint8Array): void;
  records(): number;
  /** Every line ended: a body that stops inside a line was cut. */
  ended(): boolean;
}

/** Counts records as lines go by: JSON lines minus seals, or CSV rows minus the header. */
function lineCounter(format: 'jsonl' | 'csv'): LineCounter {
  const decoder = new TextDecoder();
  let rest = '';
  let lines = 0;
  let seals = 0;
  return {
    add(chunk) {
      const parts = (rest + decoder.decode(chunk, { stream: true })).split('\n');
      rest = parts.pop()!;
      lines += parts.length;
      // Only a seal has a `type` member; record values are tokens that cannot hold a quote.
      if (format === 'jsonl') for (const l of parts) if (l.includes('"type":"seal"')) seals++;
    },
    records: () => (format === 'csv' ? Math.max(0, lines - 1) : lines - seals),
    ended: () => rest === '',
  };
}
