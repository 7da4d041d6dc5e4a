/**
 * `latchkey server …` — run the org server and administer it.
 *
 *   start              serve HTTP (embedded PGlite by default; DATABASE_URL → PostgreSQL)
 *   admin-keygen       make an admin key file
 *   create-org / create-user / enrol-code / list-devices / revoke-device / revoke-user,
 *   add-admin / revoke-admin, and (API only) list-orgs / list-users / list-admins / admin-log
 *
 * Admin commands run over the admin API of a running server with --server URL
 * --admin-key FILE (docs/admin-api.md). Without --server they open the database
 * directly (DATABASE_URL, or --data-dir while no server holds it: an on-disk PGlite
 * directory admits one process, so against a running server's directory they are
 * refused); that is how the first admin key is registered.
 * Exit codes: 0 done; 1 refused (e.g. no such org); 2 usage error.
 */
import { isLatchkeyError } from '../../shared/errors';
import { uuidSchema, ed25519PublicKeySchema } from '../../shared/contracts/sync';
import {
  ADMIN_ROUTES,
  MAX_ENROL_TTL_HOURS,
  actionListSchema,
  addAdminResponseSchema,
  adminListSchema,
  createOrgResponseSchema,
  createPersonResponseSchema,
  deviceListSchema,
  issueEnrolCodeResponseSchema,
  orgListSchema,
  personListSchema,
  revokedResponseSchema,
} from '../../shared/contracts/admin';
import { openDatabase } from '../../server/db/open';
import type { Database } from '../../server/db/db';
import { addAdmin, createOrg, createUser, issueEnrolCode, listDevices, revokeAdmin, revokeDevice, revokeUser, type AdminDeviceRow } from '../../server/admin/admin';
import { createAdminClient, writeAdminKeyFile, type AdminClient } from '../admin-client';
import { parseArgv, processLineIo as processIo, UsageError, type CliIo } from '../args';
import { IDENTITY_OPTS, IDENTITY_USAGE, runIdentityCommand, type IdentityCommand, type IdentityValues } from './server-identity';
import { BREAK_GLASS_USAGE, runBreakGlass } from './break-glass';

export type { CliIo };

export const summary = 'run the org sync server; create orgs and people, issue enrolment codes, revoke devices (over the admin API)';

const USAGE = [
  'usage:',
  '  latchkey server start [--data-dir DIR] [--host 127.0.0.1] [--port 8443] [--checkpoint-seconds 60]',
  '  latchkey server admin-keygen --out FILE',
  '',
  'admin commands; TARGET is --server URL --admin-key FILE (a running server, docs/admin-api.md)',
  'or, on the server host with no server running on it, DATABASE_URL=… or --data-dir DIR:',
  '  latchkey server create-org --name NAME TARGET',
  '  latchkey server create-user --org ORG_ID --name NAME TARGET',
  '  latchkey server enrol-code --org ORG_ID --user USER_ID [--ttl-hours 24] TARGET',
  '  latchkey server list-devices --org ORG_ID TARGET',
  '  latchkey server revoke-device --org ORG_ID --device DEVICE_ID TARGET',
  '  latchkey server revoke-user --org ORG_ID --user USER_ID TARGET',
  '  latchkey server add-admin --name NAME --public-key KEY TARGET',
  '  latchkey server revoke-admin --admin ADMIN_ID TARGET',
  'over the admin API only (--server URL --admin-key FILE):',
  '  latchkey server list-orgs | list-admins',
  '  latchkey server list-users --org ORG_ID',
  '  latchkey server admin-log [--limit 100]',
  ...IDENTITY_USAGE,
  'break-glass recovery (docs/break-glass.md), over the admin API:',
  BREAK_GLASS_USAGE,
  '',
  'Storage for start: DATABASE_URL=postgres://… selects PostgreSQL; otherwise embedded PGlite',
  '(--data-dir DIR to keep data; in memory without it). Several servers may share one',
  'PostgreSQL (replicas); a PGlite directory serves one process only.',
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
  admin: { type: 'string' },
  'public-key': { type: 'string' },
  'ttl-hours': { type: 'string' },
  server: { type: 'string' },
  'admin-key': { type: 'string' },
  out: { type: 'string' },
  limit: { type: 'string' },
  ...IDENTITY_OPTS,
} as const;

type Values = { [K in Exclude<keyof typeof OPTS, keyof typeof IDENTITY_OPTS>]?: string } & IdentityValues;

function need(v: Values, k: Exclude<keyof Values, 'create-people'>): string {
  const x = v[k];
  if (x === undefined || x === '') throw new UsageError(`--${k} is required`);
  return x;
}
function id(v: Values, k: 'org' | 'user' | 'device' | 'admin'): string {
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

/**
 * One device a line; the name last since it may hold spaces. Who revoked it says
 * whether the person did it from one of their devices or an admin did (migration 008).
 */
export function deviceLine(r: AdminDeviceRow): string {
  const state = r.revokedAt === null ? 'active' : `REVOKED ${r.revokedAt}${r.revokedBy === null ? '' : ` by ${r.revokedBy}`}`;
  return `${r.deviceId}  user ${r.userId}  ${state}  enrolled ${r.createdAt} by ${r.enrolledVia}  last seen ${r.lastSeenAt ?? 'never'}  ${r.name}`;
}

/** The admin commands, over the API or on the database; same results either way. */
interface Backend {
  createOrg(name: string): Promise<{ orgId: string }>;
  createUser(org: string, name: string): Promise<{ userId: string }>;
  issueEnrolCode(org: string, user: string, ttlHours: number): Promise<{ code: string; expiresAt: string }>;
  listDevices(org: string): Promise<AdminDeviceRow[]>;
  revokeDevice(org: string, device: string): Promise<void>;
  revokeUser(org: string, user: string): Promise<void>;
  addAdmin(name: string, publicKey: string): Promise<{ adminId: string }>;
  revokeAdmin(admin: string): Promise<void>;
  close(): Promise<void>;
}

function apiBackend(api: AdminClient): Backend {
  return {
    createOrg: (name) => api.json('POST', ADMIN_ROUTES.orgs, createOrgResponseSchema, { name }),
    createUser: (org, name) => api.json('POST', ADMIN_ROUTES.people(org), createPersonResponseSchema, { name }),
    issueEnrolCode: (org, userId, ttlHours) => api.json('POST', ADMIN_ROUTES.enrolCodes(org), issueEnrolCodeResponseSchema, { userId, ttlHours }),
    listDevices: async (org) => (await api.json('GET', ADMIN_ROUTES.devices(org), deviceListSchema)).devices,
    revokeDevice: async (org, device) => {
      await api.json('POST', ADMIN_ROUTES.revokeDevice(org, device), revokedResponseSchema);
    },
    revokeUser: async (org, user) => {
      await api.json('POST', ADMIN_ROUTES.revokePerson(org, user), revokedResponseSchema);
    },
    addAdmin: (name, publicKey) => api.json('POST', ADMIN_ROUTES.admins, addAdminResponseSchema, { name, publicKey }),
    revokeAdmin: async (admin) => {
      await api.json('POST', ADMIN_ROUTES.revokeAdmin(admin), revokedResponseSchema);
    },
    close: async () => undefined,
  };
}

function dbBackend(db: Database): Backend {
  return {
    createOrg: (name) => createOrg(db, name),
    createUser: (org, name) => createUser(db, org, name),
    issueEnrolCode: async (org, user, ttlHours) => {
      const r = await issueEnrolCode(db, org, user, ttlHours * 3600_000);
      return { code: r.code, expiresAt: r.expiresAt.toISOString() };
    },
    listDevices: (org) => listDevices(db, org),
    revokeDevice: (org, device) => revokeDevice(db, org, device),
    revokeUser: (org, user) => revokeUser(db, org, user),
    addAdmin: (name, publicKey) => addAdmin(db, name, publicKey),
    revokeAdmin: (admin) => revokeAdmin(db, admin),
    close: () => db.close(),
  };
}

async function apiOf(v: Values): Promise<AdminClient> {
  if (v.server === undefined) throw new UsageError('this command runs over the admin API: add --server URL --admin-key FILE');
  return createAdminClient(v.server, need(v, 'admin-key'));
}

async function backend(v: Values): Promise<Backend> {
  if (v.server !== undefined) {
    if (v['data-dir'] !== undefined) throw new UsageError('give --server or --data-dir, not both');
    return apiBackend(await apiOf(v));
  }
  if (v['admin-key'] !== undefined) throw new UsageError('--admin-key needs --server URL');
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl && !v['data-dir']) throw new UsageError('give --server URL --admin-key FILE (a running server), or --data-dir DIR / DATABASE_URL');
  return dbBackend(await openDatabase(databaseUrl ? { databaseUrl } : { dataDir: v['data-dir']! }));
}

async function withBackend<T>(v: Values, fn: (b: Backend) => Promise<T>): Promise<T> {
  const b = await backend(v);
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'break-glass') return await runBreakGlass(rest, io);
    const values = parseArgv({ args: rest, options: OPTS, strict: true, allowPositionals: false }).values as Values;
    switch (sub) {
      case 'start':
        return await start(values, io);
      case 'admin-keygen': {
        const publicKey = await writeAdminKeyFile(need(values, 'out'));
        io.out(publicKey);
        io.err(`admin key written to ${values.out} (keep it private); register its public key with: latchkey server add-admin --name NAME --public-key ${publicKey} …`);
        return 0;
      }
      case 'create-org': {
        const { orgId } = await withBackend(values, (b) => b.createOrg(need(values, 'name')));
        io.out(`org ${orgId}`);
        return 0;
      }
      case 'create-user': {
        const { userId } = await withBackend(values, (b) => b.createUser(id(values, 'org'), need(values, 'name')));
        io.out(`user ${userId}`);
        return 0;
      }
      case 'enrol-code': {
        const ttl = int(values, 'ttl-hours', 24, 1, MAX_ENROL_TTL_HOURS);
        const { code, expiresAt } = await withBackend(values, (b) => b.issueEnrolCode(id(values, 'org'), id(values, 'user'), ttl));
        // The code is a one-time secret for the person: printed once, stored only hashed.
        io.out(code);
        io.err(`one-time enrolment code; expires ${expiresAt}; give it to the person over a trusted channel`);
        return 0;
      }
      case 'revoke-device':
        await withBackend(values, (b) => b.revokeDevice(id(values, 'org'), id(values, 'device')));
        io.out('revoked; the device is refused from its next request');
        return 0;
      case 'revoke-user':
        await withBackend(values, (b) => b.revokeUser(id(values, 'org'), id(values, 'user')));
        io.out('revoked; every device of this person is refused from its next request');
        return 0;
      case 'list-devices': {
        const rows = await withBackend(values, (b) => b.listDevices(id(values, 'org')));
        for (const r of rows) io.out(deviceLine(r));
        return 0;
      }
      case 'add-admin': {
        const key = need(values, 'public-key');
        if (!ed25519PublicKeySchema.safeParse(key).success) throw new UsageError('--public-key must be the key admin-keygen printed (43 base64url characters)');
        const { adminId } = await withBackend(values, (b) => b.addAdmin(need(values, 'name'), key));
        io.out(`admin ${adminId}`);
        return 0;
      }
      case 'revoke-admin':
        await withBackend(values, (b) => b.revokeAdmin(id(values, 'admin')));
        io.out('revoked; this admin key is refused from its next request');
        return 0;
      case 'list-orgs': {
        for (const o of (await (await apiOf(values)).json('GET', ADMIN_ROUTES.orgs, orgListSchema)).orgs) io.out(`${o.orgId}  ${o.createdAt}  ${o.name}`);
        return 0;
      }
      case 'list-users': {
        const { people } = await (await apiOf(values)).json('GET', ADMIN_ROUTES.people(id(values, 'org')), personListSchema);
        for (const p of people) io.out(`${p.userId}  ${p.revoked ? 'REVOKED' : 'active '}  ${p.name}`);
        return 0;
      }
      case 'list-admins': {
        for (const a of (await (await apiOf(values)).json('GET', ADMIN_ROUTES.admins, adminListSchema)).admins)
          io.out(`${a.adminId}  ${a.revoked ? 'REVOKED' : 'active '}  ${a.publicKey}  ${a.name}`);
        return 0;
      }
      case 'admin-log': {
        const limit = int(values, 'limit', 100, 1, 1000);
        const { actions } = await (await apiOf(values)).json('GET', `${ADMIN_ROUTES.actions}?limit=${limit}`, actionListSchema);
        for (const a of actions)
          io.out(`${a.id}  ${a.at}  ${a.adminId ?? 'server-host'}  ${a.action}  ${a.outcome}${a.reason ? ` (${a.reason})` : ''}  org ${a.orgId ?? '-'}  ${a.target ?? ''}`);
        return 0;
      }
      case 'oidc-config':
      case 'oidc-show':
      case 'oidc-remove':
      case 'scim-token':
      case 'scim-token-revoke':
      case 'scim-log':
        return await runIdentityCommand(sub satisfies IdentityCommand, id(values, 'org'), values, await apiOf(values), io);
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
