/**
 * `latchkey server …` — run the org server and administer it.
 *
 *   start        serve HTTP (embedded PGlite by default; DATABASE_URL → PostgreSQL)
 *   create-org / create-user / enrol-code / revoke-device / revoke-user / list-devices
 *
 * Admin commands open the same database directly (they are run by an operator on the
 * server host, not over HTTP). An on-disk PGlite directory admits one process at a
 * time: stop the server for admin commands, or run on PostgreSQL.
 * Exit codes: 0 done; 1 refused (e.g. no such org); 2 usage error.
 */
import { isLatchkeyError } from '../../shared/errors';
import { uuidSchema } from '../../shared/contracts/sync';
import { openDatabase } from '../../server/db/open';
import type { Database } from '../../server/db/db';
import { createOrg, createUser, issueEnrolCode, listDevices, revokeDevice, revokeUser } from '../../server/admin/admin';
import { parseArgv, processLineIo as processIo, UsageError, type CliIo } from '../args';

export type { CliIo };

export const summary = 'run the org sync server; create orgs and people, issue enrolment codes, revoke devices';

const USAGE = [
  'usage:',
  '  latchkey server start [--data-dir DIR] [--host 127.0.0.1] [--port 8443] [--checkpoint-seconds 60]',
  '  latchkey server create-org --name NAME',
  '  latchkey server create-user --org ORG_ID --name NAME',
  '  latchkey server enrol-code --org ORG_ID --user USER_ID [--ttl-hours 24]',
  '  latchkey server revoke-device --org ORG_ID --device DEVICE_ID',
  '  latchkey server revoke-user --org ORG_ID --user USER_ID',
  '  latchkey server list-devices --org ORG_ID',
  '',
  'Storage: DATABASE_URL=postgres://… selects PostgreSQL; otherwise embedded PGlite',
  '(--data-dir DIR to keep data; in memory without it). Admin commands take --data-dir too.',
].join('\n');

const OPTS = {
  'data-dir': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'checkpoint-seconds': { type: 'string' },
  name: { type: 'string' },
  org: { type: 'string' },
  user: { type: 'string' },
  device: { type: 'string' },
  'ttl-hours': { type: 'string' },
} as const;

type Values = { [K in keyof typeof OPTS]?: string };

function need(v: Values, k: keyof Values): string {
  const x = v[k];
  if (x === undefined || x === '') throw new UsageError(`--${k} is required`);
  return x;
}
function id(v: Values, k: 'org' | 'user' | 'device'): string {
  const x = need(v, k);
  if (!uuidSchema.safeParse(x).success) throw new UsageError(`--${k} must be an id like 0b8e…-…`);
  return x;
}
function int(v: Values, k: keyof Values, dflt: number, min: number, max: number): number {
  const x = v[k];
  if (x === undefined) return dflt;
  const n = Number(x);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${k} must be a whole number from ${min} to ${max}`);
  return n;
}

function open(v: Values): Promise<Database> {
  const databaseUrl = process.env.DATABASE_URL;
  return openDatabase(databaseUrl ? { databaseUrl } : v['data-dir'] ? { dataDir: v['data-dir'] } : {});
}

async function withDb<T>(v: Values, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await open(v);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    const values = parseArgv({ args: rest, options: OPTS, strict: true, allowPositionals: false }).values as Values;
    switch (sub) {
      case 'start':
        return await start(values, io);
      case 'create-org': {
        const { orgId } = await withDb(values, (db) => createOrg(db, need(values, 'name')));
        io.out(`org ${orgId}`);
        return 0;
      }
      case 'create-user': {
        const { userId } = await withDb(values, (db) => createUser(db, id(values, 'org'), need(values, 'name')));
        io.out(`user ${userId}`);
        return 0;
      }
      case 'enrol-code': {
        const ttl = int(values, 'ttl-hours', 24, 1, 24 * 14) * 3600_000;
        const { code, expiresAt } = await withDb(values, (db) => issueEnrolCode(db, id(values, 'org'), id(values, 'user'), ttl));
        // The code is a one-time secret for the person: printed once, stored only hashed.
        io.out(code);
        io.err(`one-time enrolment code; expires ${expiresAt.toISOString()}; give it to the person over a trusted channel`);
        return 0;
      }
      case 'revoke-device':
        await withDb(values, (db) => revokeDevice(db, id(values, 'org'), id(values, 'device')));
        io.out('revoked; the device is refused from its next request');
        return 0;
      case 'revoke-user':
        await withDb(values, (db) => revokeUser(db, id(values, 'org'), id(values, 'user')));
        io.out('revoked; every device of this person is refused from its next request');
        return 0;
      case 'list-devices': {
        const rows = await withDb(values, (db) => listDevices(db, id(values, 'org')));
        for (const r of rows) io.out(`${r.deviceId}  user ${r.userId}  ${r.revoked ? 'REVOKED' : 'active '}  ${r.name}`);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
        io.err(USAGE);
        return sub === undefined ? 2 : 0;
      default:
        io.err(`latchkey server: unknown subcommand "${sub}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`latchkey server: ${err.message}\n${USAGE}`);
      return 2;
    }
    if (isLatchkeyError(err)) {
      io.err(`latchkey server: ${err.message}`);
      return 1;
    }
    // Driver errors can quote connection strings (with passwords): name the kind only.
    io.err(`latchkey server: failed (${err instanceof Error ? err.name : 'error'}); check DATABASE_URL or --data-dir`);
    return 1;
  }
}

async function start(v: Values, io: CliIo): Promise<number> {
  const { startServer } = await import('../../server/server');
  const server = await startServer({
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : v['data-dir'] ? { dataDir: v['data-dir'] } : {}),
    host: v.host ?? '127.0.0.1',
    port: int(v, 'port', 8443, 0, 65535),
    checkpointIntervalMs: int(v, 'checkpoint-seconds', 60, 0, 86_400) * 1000,
  });
  // First stdout line is machine-readable (tests and scripts read the URL from it).
  io.out(`listening ${server.url}`);
  io.err(`latchkey server: storage ${server.db.kind}${server.db.kind === 'pglite' && !v['data-dir'] ? ' (in memory: data is lost on exit)' : ''}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
