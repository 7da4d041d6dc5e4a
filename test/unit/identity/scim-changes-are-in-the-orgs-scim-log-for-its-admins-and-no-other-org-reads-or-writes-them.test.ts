/**
 * What the IdP changed over SCIM is in the org's SCIM log (migration 010), on the real
 * org server over real HTTP, on PGlite and on PostgreSQL when DATABASE_URL_TEST is set.
 * A scripted SCIM client creates, updates, deactivates, reactivates and deletes; an admin
 * reads each change over the signed admin API (`latchkey server scim-log`): who, which
 * attributes, never a token. A refused write leaves no event. Cross-tenant: one org's
 * token writes no event of another's, the admin listing of one org shows none of
 * another's, and the request path's role can only append its own org's events (not
 * read, alter, delete, nor write another org's), whatever its SQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as serverCli } from '../../../src/cli/commands/server';
import { createAdminClient, type AdminClient } from '../../../src/cli/admin-client';
import { addAdmin, createUser } from '../../../src/server/admin/admin';
import { ADMIN_ROUTES, actionListSchema } from '../../../src/shared/contracts/admin';
import { IDENTITY_ADMIN_ROUTES, scimEventListSchema, type ScimEvent } from '../../../src/shared/contracts/identity';
import { REAL_PG_URL } from '../server/helpers';
import { capture } from '../server/server-process';
import { PATCH_SCHEMA, USER_SCHEMA, scimClient, startScimOrgs, type ScimOrgs } from '../../identity/helpers';

const KINDS: ('pglite' | 'pg')[] = REAL_PG_URL ? ['pglite', 'pg'] : ['pglite'];

const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [USER_SCHEMA], userName, externalId: userName.split('@')[0], ...extra });
const replaceOp = (path: string, value: unknown) => ({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path, value }] });

describe.each(KINDS)('the SCIM log on %s', (kind) => {
  let tmp = '';
  let admin: AdminClient;

  const keyFile = () => join(tmp, 'admin.key');
  async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const c = capture();
    const code = await serverCli(args, c.io);
    return { code, out: c.out, err: c.err };
  }
  const eventsOf = async (org: string, query = ''): Promise<ScimEvent[]> => (await admin.json('GET', IDENTITY_ADMIN_ROUTES.scimEvents(org) + query, scimEventListSchema)).events;

  let env: ScimOrgs;

  beforeAll(async () => {
    env = await startScimOrgs(kind);
    tmp = mkdtempSync(join(tmpdir(), 'lk-scim-log-'));
    const pub = (await cli(['admin-keygen', '--out', keyFile()])).out[0]!;
    await addAdmin(env.db, 'it-admin', pub);
    admin = await createAdminClient(env.server.url, keyFile());
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('every change the IdP made is logged with the person, the kind of change and the attributes, newest first, never a token', async () => {
    const created = await env.scimA('POST', '/Users', user('bjensen@example.com', { name: { givenName: 'Barbara', familyName: 'Jensen' } }));
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    expect((await env.scimA('PATCH', `/Users/${id}`, replaceOp('displayName', 'Babs'))).status).toBe(200);
    expect((await env.scimA('PATCH', `/Users/${id}`, replaceOp('active', false))).status).toBe(200);
    // PUT back on, under a new userName: named a reactivation, listing both attributes.
    expect(
      (await env.scimA('PUT', `/Users/${id}`, user('babs@example.com', { externalId: 'bjensen', displayName: 'Babs', name: { givenName: 'Barbara', familyName: 'Jensen' } })))
        .status,
    ).toBe(200);
    expect((await env.scimA('DELETE', `/Users/${id}`)).status).toBe(204);

    const events = await eventsOf(env.orgA);
    expect(events.map((e) => [e.action, e.userId, e.userName, e.changed])).toEqual([
      ['delete', id, 'babs@example.com', []],
      ['reactivate', id, 'babs@example.com', ['active', 'userName']],
      ['deactivate', id, 'bjensen@example.com', ['active']],
      ['update', id, 'bjensen@example.com', ['displayName']],
      ['create', id, 'bjensen@example.com', ['active', 'externalId', 'name', 'userName']],
    ]);
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => b - a));
    // Never the token, nor its secret part, anywhere in what an admin reads.
    const secret = env.tokenA.split('.')[1]!;
    expect(JSON.stringify(events)).not.toContain(secret);

    // Paging backwards, as the admin action log does.
    const page = await eventsOf(env.orgA, '?limit=2');
    expect(page.map((e) => e.action)).toEqual(['delete', 'reactivate']);
    expect((await eventsOf(env.orgA, `?limit=2&before=${page[1]!.id}`)).map((e) => e.action)).toEqual(['deactivate', 'update']);

    // The CLI prints one line an event; reading the log is itself an admin action.
    const log = await cli(['scim-log', '--org', env.orgA, '--limit', '5', '--server', env.server.url, '--admin-key', keyFile()]);
    expect(log.code).toBe(0);
    expect(log.out).toHaveLength(5);
    expect(log.out[1]).toBe(`${events[1]!.id}  ${events[1]!.at}  reactivate  user ${id}  active,userName  babs@example.com`);
    expect(log.out[0]).toMatch(new RegExp(`  delete  user ${id}  -  babs@example\\.com$`));
    expect(log.out.join('\n')).not.toContain(secret);
    const actions = (await admin.json('GET', `${ADMIN_ROUTES.actions}?limit=5`, actionListSchema)).actions;
    expect(actions.find((a) => a.action === 'list_scim_events')).toMatchObject({ orgId: env.orgA, outcome: 'ok' });
  });

  it('a person an admin made first and SCIM takes over is logged as adopted', async () => {
    const { userId } = await createUser(env.db, env.orgA, 'Carol');
    // As OIDC just-in-time creation leaves them: a userName, not managed by SCIM.
    await env.db.asOwner((sql) => sql.query("UPDATE users SET user_name = 'carol@example.com', user_name_key = 'carol@example.com' WHERE id = $1", [userId]), env.orgA);
    const r = await env.scimA('POST', '/Users', user('Carol@Example.com'));
    expect(r.status).toBe(201);
    expect(r.json.id).toBe(userId);
    expect((await eventsOf(env.orgA, '?limit=1'))[0]).toMatchObject({ action: 'adopt', userId, userName: 'Carol@Example.com', changed: ['active', 'externalId', 'userName'] });
  });

  it('a refused write leaves no event', async () => {
    const made = await env.scimA('POST', '/Users', user('dana@example.com'));
    const id = made.json.id as string;
    const before = await eventsOf(env.orgA);
    expect((await env.scimA('POST', '/Users', user('DANA@example.com'))).status).toBe(409);
    expect((await env.scimA('PATCH', `/Users/${id}`, replaceOp('active', false), { 'if-match': 'W/"99"' })).status).toBe(412);
    expect((await env.scimA('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'nickName', value: 'x' }] })).status).toBe(400);
    expect((await env.scimA('DELETE', '/Users/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await scimClient(env.server.url, `${env.orgA}.${'A'.repeat(43)}`)('POST', '/Users', user('eve@example.com'))).status).toBe(401);
    expect(await eventsOf(env.orgA)).toEqual(before);
  });

  it("one org's token writes no event of another org, and each org's admin listing holds only its own", async () => {
    const b = await env.scimB('POST', '/Users', user('bob@globex.example'));
    expect(b.status).toBe(201);
    const bId = b.json.id as string;
    const beforeA = await eventsOf(env.orgA);
    const beforeB = await eventsOf(env.orgB);
    expect(beforeB.map((e) => [e.action, e.userId])).toEqual([['create', bId]]);

    // A's token on B's person: the same 404 as no person, and no event anywhere.
    expect((await env.scimA('PATCH', `/Users/${bId}`, replaceOp('active', false))).status).toBe(404);
    expect((await env.scimA('PUT', `/Users/${bId}`, user('bob@globex.example', { active: false }))).status).toBe(404);
    expect((await env.scimA('DELETE', `/Users/${bId}`)).status).toBe(404);
    expect(await eventsOf(env.orgA)).toEqual(beforeA);
    expect(await eventsOf(env.orgB)).toEqual(beforeB);
    expect((await env.scimB('GET', `/Users/${bId}`)).json.active).toBe(true);

    expect(beforeA.some((e) => e.userId === bId)).toBe(false);
    expect(beforeB.some((e) => beforeA.some((a) => a.userId === e.userId))).toBe(false);
    // An org that does not exist: refused, not an empty list.
    await expect(eventsOf('00000000-0000-4000-8000-000000000000')).rejects.toThrow(/No such organisation/);
  });

  it("the request path's role only appends its own org's events: it cannot write another org's, read, alter or delete any", async () => {
    const person = (await eventsOf(env.orgA)).at(-1)!;
    const bPerson = (await eventsOf(env.orgB)).at(-1)!;
    const asA = <T>(q: string, params: unknown[]) => env.db.asTenant(env.orgA, (sql) => sql.query<T>(q, params));
    const insert = 'INSERT INTO scim_events (org_id, action, user_id, user_name, changed) VALUES ($1, $2, $3, $4, $5)';
    await expect(asA(insert, [env.orgB, 'delete', bPerson.userId, 'bob@globex.example', '[]'])).rejects.toThrow(/row-level security|violates/);
    await expect(asA('SELECT * FROM scim_events', [])).rejects.toThrow(/permission denied/);
    await expect(asA('SELECT count(*) FROM scim_events WHERE org_id = $1', [env.orgB])).rejects.toThrow(/permission denied/);
    await expect(asA("UPDATE scim_events SET action = 'update' WHERE org_id = $1", [env.orgA])).rejects.toThrow(/permission denied/);
    await expect(asA('DELETE FROM scim_events WHERE org_id = $1', [env.orgA])).rejects.toThrow(/permission denied/);
    await expect(asA('TRUNCATE scim_events', [])).rejects.toThrow(/permission denied/);
    // Its own org's event it may append (that is what the SCIM routes do).
    const before = await eventsOf(env.orgA);
    await asA(insert, [env.orgA, 'update', person.userId, person.userName, '[]']);
    expect(await eventsOf(env.orgA)).toHaveLength(before.length + 1);
    expect((await eventsOf(env.orgB)).some((e) => e.action === 'delete')).toBe(false);
  });
});
