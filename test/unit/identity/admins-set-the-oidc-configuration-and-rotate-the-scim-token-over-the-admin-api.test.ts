/**
 * The admin side of enterprise identity through `latchkey server …` over the real
 * admin API (signed admin requests to a real server on PGlite): an org's OIDC
 * configuration is set, shown and removed; its SCIM token is created, rotated (the old
 * one stops at once) and revoked; bad input is a usage error before anything is sent;
 * every action is in the admin action log, and no token is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as serverCli } from '../../../src/cli/commands/server';
import { writeAdminKeyFile } from '../../../src/cli/admin-client';
import { addAdmin, createOrg } from '../../../src/server/admin/admin';
import type { Database } from '../../../src/server/db/db';
import type { RunningServer } from '../../../src/server/server';
import { IDENTITY_ROUTES } from '../../../src/shared/contracts/identity';
import { capture } from '../server/server-process';
import { newSigner, openTestDatabase, startTestServer } from '../server/helpers';
import { postJson, scimClient } from '../../identity/helpers';

let db: Database;
let server: RunningServer;
let tmp = '';
let orgId = '';
const key = () => join(tmp, 'admin.key');

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const c = capture();
  const code = await serverCli([...args, '--server', server.url, '--admin-key', key()], c.io);
  return { code, out: c.out, err: c.err };
}

beforeAll(async () => {
  db = (await openTestDatabase('pglite')).db;
  server = await startTestServer(db);
  tmp = mkdtempSync(join(tmpdir(), 'lk-identity-admin-'));
  await addAdmin(db, 'ops', await writeAdminKeyFile(key()));
  orgId = (await createOrg(db, 'acme')).orgId;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await db?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('identity admin commands', () => {
  it('oidc-config sets what oidc-show prints and what enrolment offers; oidc-remove ends it', async () => {
    const set = await cli([
      'oidc-config',
      '--org',
      orgId,
      '--issuer',
      'https://login.acme.test/tenant',
      '--client-id',
      'latchkey',
      '--allowed-domains',
      'Acme.test, acme.example',
      '--allowed-groups',
      'vault-users',
    ]);
    expect(set.code).toBe(0);
    expect(set.out).toEqual([
      'issuer https://login.acme.test/tenant',
      'client latchkey',
      'domains acme.test,acme.example',
      'groups vault-users (claim groups)',
      'create people no',
    ]);
    expect((await cli(['oidc-show', '--org', orgId])).out).toEqual(set.out);

    const publicKey = Buffer.from(newSigner().publicKey).toString('base64url');
    const start = await postJson(server.url + IDENTITY_ROUTES.oidcStart, { orgId, publicKey });
    expect(start.status).toBe(200);
    expect(start.json).toMatchObject({ issuer: 'https://login.acme.test/tenant', clientId: 'latchkey', scope: 'openid email groups' });

    expect((await cli(['oidc-remove', '--org', orgId])).code).toBe(0);
    expect((await postJson(server.url + IDENTITY_ROUTES.oidcStart, { orgId, publicKey })).status).toBe(404);
    expect((await cli(['oidc-show', '--org', orgId])).code).toBe(1);
  });

  it('refuses plain-http issuers off this computer, an empty allow-list and unknown orgs', async () => {
    expect((await cli(['oidc-config', '--org', orgId, '--issuer', 'http://login.acme.test', '--client-id', 'x', '--allowed-domains', 'acme.test'])).code).toBe(2);
    expect((await cli(['oidc-config', '--org', orgId, '--issuer', 'https://login.acme.test', '--client-id', 'x'])).code).toBe(2);
    expect((await cli(['oidc-config', '--org', orgId, '--issuer', 'https://login.acme.test', '--client-id', 'x', '--allowed-domains', 'not a domain'])).code).toBe(2);
    const unknown = await cli([
      'oidc-config',
      '--org',
      '00000000-0000-4000-8000-000000000000',
      '--issuer',
      'https://login.acme.test',
      '--client-id',
      'x',
      '--allowed-domains',
      'acme.test',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.err.join('\n')).toContain('No such organisation');
  });

  it('scim-token prints a working token once; rotating stops the old one; revoking stops all', async () => {
    const first = await cli(['scim-token', '--org', orgId]);
    expect(first.code).toBe(0);
    const token1 = first.out[0]!;
    expect((await scimClient(server.url, token1)('GET', '/Users')).status).toBe(200);
    const token2 = (await cli(['scim-token', '--org', orgId])).out[0]!;
    expect(token2).not.toBe(token1);
    expect((await scimClient(server.url, token1)('GET', '/Users')).status).toBe(401);
    expect((await scimClient(server.url, token2)('GET', '/Users')).status).toBe(200);
    expect((await cli(['scim-token-revoke', '--org', orgId])).code).toBe(0);
    expect((await scimClient(server.url, token2)('GET', '/Users')).status).toBe(401);

    // Stored hashed: no token's secret is in the database, nor in the admin log.
    const [, secret] = token2.split('.') as [string, string];
    const log = await cli(['admin-log', '--limit', '50']);
    expect(log.out.join('\n')).not.toContain(secret);
    for (const action of ['set_oidc_config', 'get_oidc_config', 'delete_oidc_config', 'rotate_scim_token', 'revoke_scim_token']) expect(log.out.join('\n')).toContain(action);
    const rows = await db.asOwner((sql) => sql.query<{ token_hash: string }>('SELECT token_hash FROM scim_tokens'));
    expect(JSON.stringify(rows)).not.toContain(secret);
  });
});
