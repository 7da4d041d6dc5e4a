/**
 * `latchkey audit verify|export` — offline checks and exports of the org audit log.
 *
 *   verify FILE --pubkeys KEYS [--checkpoints FILE] [--log ORG] [--json]
 *     FILE: JSON lines, one record per line, in the server's log order (an export).
 *     KEYS: {"devices": {"<device id>": "<key>"}, "server": ["<key>"]} — trusted keys,
 *     obtained out of band; hex or base64url. Names the first bad record (line, device,
 *     seq, reason) or the first checkpoint the export does not match.
 *   export --from FILE.jsonl --format jsonl|csv [--out FILE]
 *     converts a JSON lines export (e.g. to CSV for a spreadsheet).
 *   export (--database-url URL | --data-dir DIR) --org ORG --format jsonl|csv [--out FILE]
 *          [--checkpoints-out FILE] [--pubkeys-out FILE]
 *     on the server host: reads the org's log, checkpoints and device keys from the
 *     server database (as `latchkey server` admin commands do).
 *   export --server URL --admin-key FILE --org ORG --format jsonl|csv [--out FILE] [filters]
 *          [--checkpoints-out FILE] [--pubkeys-out FILE]
 *     from a running server over the admin API (src/cli/audit-export-server.ts);
 *     filters --since/--until (record time), --person, --device, --agent, --credential, --outcome.
 *
 *   summary FILE --pubkeys KEYS [--checkpoints FILE] [--log ORG] [--since T] [--until T] [--out F.html]
 *     verifies FILE as `verify` does, then writes the compliance summary of the period
 *     (one self-contained HTML page, src/core/audit/summary-html.ts); nothing if it fails.
 *
 * Exit codes: 0 verified / exported; 1 verification failed; 2 usage; 3 file or database error.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { availableParallelism } from 'node:os';
import { isLatchkeyError } from '../../shared/errors';
import { auditPublicKeysFileSchema, parseExportItem, parseJsonLines, parsePublicKeyText, recordsToCsv, recordsToJsonLines, type AuditExportItem } from '../../core/audit';
import { readExportItems, verifyExportFile, verifyThreadsFor, type StreamCheck } from '../../node/verify-stream';
import { createSummaryBuilder } from '../../core/audit/summary';
import { renderSummaryHtml } from '../../core/audit/summary-html';
import { tryParseStrictJson } from '../../shared/encoding/strict-json';
import { parseArgv, UsageError } from '../args';
import { AUDIT_EXPORT_FILTER_OPTIONS, exportFromServer, filtersFromOptions } from '../audit-export-server';

export const summary = 'verify an exported audit log offline (names the first bad record); export it as JSON lines or CSV; a compliance summary page';

export interface CliIo {
  out(text: string): void;
  err(line: string): void;
}
const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (line) => process.stderr.write(line + '\n'),
};

const USAGE = [
  'usage:',
  '  latchkey audit verify FILE --pubkeys KEYS.json [--checkpoints FILE] [--log ORG] [--json]',
  '  latchkey audit export --from FILE.jsonl --format jsonl|csv [--out FILE]',
  '  latchkey audit export (--database-url URL | --data-dir DIR) --org ORG --format jsonl|csv [--out FILE]',
  '                        [--checkpoints-out FILE] [--pubkeys-out FILE]',
  '  latchkey audit export --server URL --admin-key FILE --org ORG --format jsonl|csv [--out FILE]',
  '                        [--since TIME] [--until TIME] [--person ID] [--device ID] [--agent ID] [--credential ITEM]',
  '                        [--outcome success|failure|denied] [--checkpoints-out FILE] [--pubkeys-out FILE]',
  '  latchkey audit summary FILE --pubkeys KEYS.json [--checkpoints FILE] [--log ORG] [--since DATE] [--until DATE] [--out FILE.html]',
  '',
  'exit codes: 0 ok, 1 verification failed, 2 usage, 3 file or database error',
].join('\n');

class FileError extends Error {}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'verify':
        return await verify(rest, io);
      case 'export':
        return await exportLog(rest, io);
      case 'summary':
        return await summarize(rest, io);
      case undefined:
      case 'help':
      case '--help':
        io.err(USAGE);
        return sub === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown subcommand "${sub}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`latchkey audit: ${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof FileError) {
      io.err(`latchkey audit: ${err.message}`);
      return 3;
    }
    if (isLatchkeyError(err)) {
      io.err(`latchkey audit: ${err.message}`);
      return err.code === 'invalid_input' ? 2 : 3;
    }
    throw err;
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new FileError(`cannot read the ${what} file ${path}`);
  }
}

async function writeText(path: string, text: string, what: string): Promise<void> {
  try {
    await writeFile(path, text, { mode: 0o644 });
  } catch {
    throw new FileError(`cannot write the ${what} file ${path}`);
  }
}

/** Checkpoints: JSON lines, a JSON array, or one checkpoint object. */
function parseCheckpointsText(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const v = tryParseStrictJson(trimmed);
    if (v.ok && Array.isArray(v.value)) return v.value;
    throw new FileError(v.ok || v.reason === 'syntax' ? 'the checkpoints file is not valid JSON' : `the checkpoints file: ${v.message}`);
  }
  const lines = parseJsonLines(text);
  if (!lines.ok) throw new FileError(`checkpoints file: ${lines.message}`);
  return lines.values;
}

const VERIFY_OPTIONS = {
  pubkeys: { type: 'string' },
  checkpoints: { type: 'string' },
  log: { type: 'string' },
} as const;

async function verify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgv({ args, options: { ...VERIFY_OPTIONS, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('verify takes exactly one FILE');
  return report(io, values.json === true, await verifyFile(file, values));
}

/** Checks FILE against the trusted keys (and checkpoints) the options name: streamed, on worker threads when large. */
async function verifyFile(file: string, values: { pubkeys?: string; checkpoints?: string; log?: string }): Promise<StreamCheck> {
  if (typeof values.pubkeys !== 'string') throw new UsageError('--pubkeys KEYS.json is required: signatures are checked against keys you trust, not keys in the export');

  const keysParsed = tryParseStrictJson(await readText(values.pubkeys, 'public keys'));
  if (!keysParsed.ok) throw new FileError(keysParsed.reason === 'syntax' ? 'the public keys file is not valid JSON' : `the public keys file: ${keysParsed.message}`);
  const keysJson = keysParsed.value;
  const keys = auditPublicKeysFileSchema.safeParse(keysJson);
  if (!keys.success) throw new UsageError(`the public keys file is not in the expected form (${keys.error.issues[0]?.path.join('.') || 'file'})`);
  const deviceKeys = new Map(Object.entries(keys.data.devices).map(([d, k]) => [d, parsePublicKeyText(k)] as const));
  const serverKeys = (keys.data.server ?? []).map(parsePublicKeyText);

  const checkpoints = typeof values.checkpoints === 'string' ? parseCheckpointsText(await readText(values.checkpoints, 'checkpoints')) : [];
  if (checkpoints.length > 0 && serverKeys.length === 0) throw new UsageError('checkpoints need the server key: add "server": ["<key>"] to the public keys file');

  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new FileError(`cannot read the audit log file ${file}`);
  }
  // Streamed line by line in bounded memory; large exports on worker threads (same verdict).
  try {
    return await verifyExportFile(file, {
      deviceKeys,
      serverKeys,
      checkpoints,
      ...(typeof values.log === 'string' ? { log: values.log } : {}),
      threads: verifyThreadsFor(size, availableParallelism()),
    });
  } catch (e) {
    if (isLatchkeyError(e)) throw e;
    throw new FileError(`cannot read the audit log file ${file}`);
  }
}

function verifiedText(r: Extract<StreamCheck, { ok: true }>): string {
  const cps = r.checkpoints > 0 ? `; ${r.checkpoints} signed checkpoint(s) match, covering ${r.coveredRecords} record(s)` : '; no checkpoints given';
  const receipts = r.receipts ? `; ${r.receipts} approval receipt(s) verified, ${r.touches ?? 0} with a security key's touch` : '';
  return `${r.records} record(s) from ${r.devices} device(s) verified${cps}${receipts}.`;
}

function report(io: CliIo, json: boolean, r: StreamCheck): number {
  if (json) {
    io.out(JSON.stringify(r) + '\n');
    return r.ok ? 0 : 1;
  }
  if (r.ok) {
    io.out(`OK: ${verifiedText(r)}\n`);
    return 0;
  }
  if (r.kind === 'record') {
    const line = r.line;
    const where = [line !== undefined ? `line ${line}` : undefined, r.device !== undefined ? `device ${r.device}` : undefined, r.seq !== undefined ? `seq ${r.seq}` : undefined]
      .filter((x) => x !== undefined)
      .join(', ');
    io.out(`FAIL: first bad record: ${where || 'unknown position'}: ${r.reason}: ${r.message}\n`);
  } else if (r.kind === 'receipt') {
    const where = [r.line !== undefined ? `line ${r.line}` : undefined, `device ${r.device}`, `seq ${r.seq}`].filter((x) => x !== undefined).join(', ');
    io.out(`FAIL: first bad receipt: ${where}: ${r.reason}: ${r.message}\n`);
  } else {
    io.out(`FAIL: checkpoint ${r.checkpoint + 1}: ${r.reason}: ${r.message}\n`);
  }
  return 1;
}

/** A period bound: a full record time, or a UTC date meaning its midnight. */
function periodBound(v: string | undefined, option: string): string | undefined {
  if (v === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))) return `${v}T00:00:00.000Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v) && !Number.isNaN(Date.parse(v))) return v;
  throw new UsageError(`${option} takes a UTC date such as 2026-01-31 or a time such as 2026-01-31T12:00:00.000Z`);
}

/** Verifies FILE, then folds it into the compliance summary page (docs/audit-format.md §9). */
async function summarize(args: string[], io: CliIo): Promise<number> {
  const options = { ...VERIFY_OPTIONS, since: { type: 'string' }, until: { type: 'string' }, out: { type: 'string' } } as const;
  const { values, positionals } = parseArgv({ args, options, allowPositionals: true, strict: true });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('summary takes exactly one FILE');
  const from = periodBound(values.since, '--since');
  const to = periodBound(values.until, '--until');
  if (from !== undefined && to !== undefined && from >= to) throw new UsageError('--since must be before --until');

  const checked = await verifyFile(file, values);
  // A summary of records that do not verify would vouch for what may be forged.
  if (!checked.ok) {
    report(io, false, checked);
    io.err('latchkey audit: no summary written: the export does not verify');
    return 1;
  }
  const builder = createSummaryBuilder({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
  try {
    for await (const item of readExportItems(file)) builder.add(item);
  } catch {
    throw new FileError(`cannot read the audit log file ${file}`);
  }
  const html = renderSummaryHtml(builder.finish(), { verified: verifiedText(checked), source: basename(file), generatedAt: new Date().toISOString() });
  if (typeof values.out === 'string') {
    await writeText(values.out, html, 'summary');
    io.err(`wrote the summary of ${checked.records} verified record(s) to ${values.out}`);
  } else io.out(html);
  return 0;
}

async function exportLog(args: string[], io: CliIo): Promise<number> {
  const options = {
    from: { type: 'string' },
    server: { type: 'string' },
    'database-url': { type: 'string' },
    'data-dir': { type: 'string' },
    org: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    'checkpoints-out': { type: 'string' },
    'pubkeys-out': { type: 'string' },
    'admin-key': { type: 'string' },
    ...AUDIT_EXPORT_FILTER_OPTIONS,
  } as const;
  const { values, positionals } = parseArgv({ args, options, allowPositionals: true, strict: true });
  if (positionals.length > 0) throw new UsageError('export takes no positional arguments');
  const format = values.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError('--format must be jsonl or csv');
  if (typeof values.server === 'string') {
    if ([values.from, values['database-url'], values['data-dir']].some((x) => typeof x === 'string'))
      throw new UsageError('give --server or one of --from, --database-url, --data-dir');
    const got = await exportFromServer(
      {
        server: values.server,
        adminKey: values['admin-key'],
        org: values.org,
        format,
        filters: filtersFromOptions(values),
        out: values.out,
        checkpointsOut: values['checkpoints-out'],
        pubkeysOut: values['pubkeys-out'],
      },
      (text) => io.out(text),
    );
    if (typeof values.out === 'string') io.err(`exported ${got.records} record(s) as ${format} to ${values.out}`);
    return 0;
  }
  if (Object.keys(filtersFromOptions(values)).length > 0 || typeof values['admin-key'] === 'string') {
    throw new UsageError('filters and --admin-key work with --server only');
  }
  const sources = [values.from, values['database-url'], values['data-dir']].filter((x) => typeof x === 'string');
  if (sources.length !== 1) throw new UsageError('give exactly one of --from, --database-url, --data-dir');

  let records: AuditExportItem[];
  if (typeof values.from === 'string') {
    const lines = parseJsonLines(await readText(values.from, 'audit log'));
    if (!lines.ok) throw new FileError(`${values.from}: ${lines.message}`);
    records = [];
    for (let i = 0; i < lines.values.length; i++) {
      const r = parseExportItem(lines.values[i]);
      if (!r) throw new FileError(`${values.from}: line ${lines.lines[i]} is not an audit record or seal`);
      records.push(r);
    }
  } else {
    if (typeof values.org !== 'string') throw new UsageError('--org ORG is required with a database');
    records = await exportFromDatabase(
      values.org,
      {
        ...(typeof values['database-url'] === 'string' ? { databaseUrl: values['database-url'] } : {}),
        ...(typeof values['data-dir'] === 'string' ? { dataDir: values['data-dir'] } : {}),
      },
      values['checkpoints-out'],
      values['pubkeys-out'],
    );
  }
  const text = format === 'csv' ? recordsToCsv(records) : recordsToJsonLines(records);
  if (typeof values.out === 'string') {
    await writeText(values.out, text, 'output');
    io.err(`exported ${records.filter((r) => !('type' in r)).length} record(s) as ${format} to ${values.out}`);
  } else {
    io.out(text);
  }
  return 0;
}

/** Server-host export: the org's records in log order, plus checkpoints and device keys. */
async function exportFromDatabase(
  orgId: string,
  db: { databaseUrl?: string; dataDir?: string },
  checkpointsOut: string | undefined,
  pubkeysOut: string | undefined,
): Promise<AuditExportItem[]> {
  const [{ openDatabase }, { exportRecords }, { listCheckpoints }, { loadOrCreateServerKey }] = await Promise.all([
    import('../../server/db/open'),
    import('../../server/audit/store'),
    import('../../server/audit/checkpoints'),
    import('../../server/keys'),
  ]);
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase(db);
  } catch (err) {
    // A data dir a running server holds: its own message says to use --server.
    if (isLatchkeyError(err, 'conflict')) throw err;
    throw new FileError('cannot open the server database (check --database-url or --data-dir)');
  }
  try {
    const records = (await database.asTenant(orgId, (sql) => exportRecords(sql, orgId))).map((r) => {
      const item = parseExportItem(r);
      if (!item) throw new FileError('the server database holds an audit row that is not a record or seal');
      return item;
    });
    if (checkpointsOut) {
      const cps = await listCheckpoints(database, orgId);
      await writeText(checkpointsOut, cps.map((c) => JSON.stringify(c)).join('\n') + (cps.length ? '\n' : ''), 'checkpoints');
    }
    if (pubkeysOut) {
      const devices = await database.asTenant(orgId, (sql) =>
        sql.query<{ id: string; public_key: string }>('SELECT id, public_key FROM devices WHERE org_id = $1 ORDER BY id', [orgId]),
      );
      const server = await loadOrCreateServerKey(database);
      const body = {
        devices: Object.fromEntries(devices.map((d) => [d.id, d.public_key])),
        server: [Buffer.from(server.publicKey).toString('hex')],
      };
      await writeText(pubkeysOut, JSON.stringify(body, null, 2) + '\n', 'public keys');
    }
    return records;
  } finally {
    await database.close().catch(() => undefined);
  }
}
