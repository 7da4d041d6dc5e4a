/**
 * SCIM 2.0 Users (RFC 7643/7644) on the real org server over real HTTP (PGlite, and
 * PostgreSQL when DATABASE_URL_TEST is set), driven by a scripted client that follows
 * the RFC's examples: create, read, filter by userName, replace, patch (RFC, Azure AD
 * and Okta forms), delete. Errors are SCIM error bodies. A device enrolled through
 * main's real device service is refused at its next request once SCIM deactivates or
 * deletes its person, with the typed error the app shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviceService } from '../../../src/main/device';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { createServerApi, enrolDevice, type ServerApi } from '../../../src/core/sync';
import { fromBase64url } from '../../../src/core/crypto/bytes';
import { createOrg, issueEnrolCode } from '../../../src/server/admin/admin';
import { ACCESS_DISABLED_MESSAGE, IDENTITY_ROUTES } from '../../../src/shared/contracts/identity';
import { LatchkeyError } from '../../../src/shared/errors';
import { REAL_PG_URL, newSigner, nodeFetch, nodeRandom } from '../server/helpers';
import { ERROR_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, configureOidc, postJson, scimClient, scimTokenFor, startScimOrgs, type ScimAnswer, type ScimOrgs } from '../../identity/helpers';

const KINDS: ('pglite' | 'pg')[] = REAL_PG_URL ? ['pglite', 'pg'] : ['pglite'];

function expectScimError(r: ScimAnswer, status: number, scimType?: string): void {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  expect(r.json.schemas).toEqual([ERROR_SCHEMA]);
  expect(r.json.status).toBe(String(status));
  expect(typeof r.json.detail).toBe('string');
  if (scimType !== undefined) expect(r.json.scimType).toBe(scimType);
}

/** RFC 7644 §3.3's example user, with an e-mail as userName (the identity OIDC binds). */
const bjensen = (userName = 'bjensen@example.com') => ({
  schemas: [USER_SCHEMA],
  userName,
  externalId: 'bjensen',
  name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
});

describe.each(KINDS)('SCIM on %s', (kind) => {
  let env: ScimOrgs;

  beforeAll(async () => {
    env = await startScimOrgs(kind);
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  it('create, read, filter, replace, patch and delete follow the RFC examples', async () => {
    const created = await env.scimA('POST', '/Users', bjensen());
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    const id = created.json.id as string;
    const meta = created.json.meta as Record<string, string>;
    expect(meta).toMatchObject({ resourceType: 'User', location: `${env.server.url}/scim/v2/Users/${id}`, version: 'W/"1"' });
    expect(created.headers.get('location')).toBe(meta.location);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(created.json).toMatchObject({
      schemas: [USER_SCHEMA],
      userName: 'bjensen@example.com',
      externalId: 'bjensen',
      active: true,
      name: { givenName: 'Barbara', familyName: 'Jensen' },
    });

    const read = await env.scimA('GET', `/Users/${id}`);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(created.json);

    // §3.4.2.2: userName is not case-exact, and attribute and operator names are case-insensitive.
    for (const filter of ['userName eq "bjensen@example.com"', 'USERNAME EQ "BJensen@Example.com"']) {
      const list = await env.scimA('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(list.status).toBe(200);
      expect(list.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1 });
      expect((list.json.Resources as { id: string }[])[0]?.id).toBe(id);
    }
    const none = await env.scimA('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}`);
    expect(none.json).toMatchObject({ totalResults: 0, Resources: [] });

    const replaced = await env.scimA('PUT', `/Users/${id}`, { ...bjensen(), displayName: 'Babs Jensen', emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }] });
    expect(replaced.status).toBe(200);
    expect(replaced.json).toMatchObject({ displayName: 'Babs Jensen', emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }], meta: { version: 'W/"2"' } });

    // RFC 7644 §3.5.2.3 form, then Azure AD's ("Replace", "False"), then Okta's (no path).
    const rfc = await env.scimA('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(rfc.status).toBe(200);
    expect(rfc.json.active).toBe(false);
    await env.scimA('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active: true } }] });
    const azure = await env.scimA('PATCH', `/Users/${id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'babs@example.com' },
        { op: 'Replace', path: 'name.givenName', value: 'Babs' },
      ],
    });
    expect(azure.status).toBe(200);
    expect(azure.json).toMatchObject({ active: false, emails: [{ type: 'work', value: 'babs@example.com' }], name: { givenName: 'Babs', familyName: 'Jensen' } });

    // If-Match (§3.14): a write against an old version is refused.
    expectScimError(
      await env.scimA('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: true }] }, { 'if-match': 'W/"1"' }),
      412,
    );

    const deleted = await fetch(`${env.server.url}/scim/v2/Users/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${env.tokenA}` } });
    expect(deleted.status).toBe(204);
    expectScimError(await env.scimA('GET', `/Users/${id}`), 404);
    expect((await env.scimA('GET', `/Users?filter=${encodeURIComponent('userName eq "bjensen@example.com"')}`)).json.totalResults).toBe(0);
    // The userName is free again after a delete.
    expect((await env.scimA('POST', '/Users', bjensen())).status).toBe(201);
  });

  it('pages with startIndex and count, and a second user with a taken userName is a uniqueness error', async () => {
    for (const n of [1, 2, 3]) expect((await env.scimA('POST', '/Users', bjensen(`page${n}@example.com`))).status).toBe(201);
    const page = await env.scimA('GET', '/Users?startIndex=2&count=2');
    expect(page.json).toMatchObject({ startIndex: 2, itemsPerPage: 2 });
    expect(page.json.totalResults as number).toBeGreaterThanOrEqual(4);
    expectScimError(await env.scimA('POST', '/Users', bjensen('PAGE1@example.com')), 409, 'uniqueness');
  });

  it('bad bodies, filters, paths and queries get 400 SCIM errors', async () => {
    const { json } = await env.scimA('POST', '/Users', bjensen('bad-bodies@example.com'));
    const id = json.id as string;
    expectScimError(await env.scimA('POST', '/Users', '{"schemas":'), 400, 'invalidSyntax');
    expectScimError(
      await env.scimA('POST', '/Users', '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@x.test","userName":"b@x.test"}'),
      400,
      'invalidSyntax',
    );
    expectScimError(await env.scimA('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'a@x.test', USERNAME: 'b@x.test' }), 400, 'invalidSyntax');
    expectScimError(await env.scimA('POST', '/Users', { schemas: [USER_SCHEMA] }), 400, 'invalidValue');
    expectScimError(await env.scimA('POST', '/Users', { userName: 'a@x.test' }), 400);
    expectScimError(await env.scimA('POST', '/Users', { schemas: ['urn:example:other'], userName: 'a@x.test' }), 400, 'invalidSyntax');
    expectScimError(await env.scimA('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'a@x.test', favouriteColour: 'red' }), 400, 'invalidSyntax');
    expectScimError(await env.scimA('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'a@x.test', active: 'maybe' }), 400, 'invalidValue');
    expectScimError(await env.scimA('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'line\nbreak' }), 400, 'invalidValue');
    expectScimError(await env.scimA('GET', `/Users?filter=${encodeURIComponent('userName co "a"')}`), 400, 'invalidFilter');
    expectScimError(await env.scimA('GET', `/Users?filter=${encodeURIComponent('title eq "x"')}`), 400, 'invalidFilter');
    expectScimError(await env.scimA('GET', '/Users?sortBy=userName'), 400);
    expectScimError(await env.scimA('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'move', path: 'active', value: false }] }), 400, 'invalidSyntax');
    expectScimError(await env.scimA('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'password', value: 'x' }] }), 400, 'invalidPath');
    expectScimError(await env.scimA('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'remove' }] }), 400, 'noTarget');
    expectScimError(await env.scimA('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'remove', path: 'userName' }] }), 400, 'invalidValue');
    expectScimError(await env.scimA('PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'active', value: false }] }), 400);
    const other = await fetch(`${env.server.url}/scim/v2/Users`, { method: 'POST', headers: { authorization: `Bearer ${env.tokenA}`, 'content-type': 'text/plain' }, body: 'x' });
    expect(other.status).toBe(400);
    // A failed PATCH changed nothing (all or nothing).
    expect((await env.scimA('GET', `/Users/${id}`)).json).toMatchObject({ active: true, meta: { version: 'W/"1"' } });
    expectScimError(await env.scimA('GET', '/Users/not-a-uuid'), 404);
    expectScimError(await env.scimA('GET', '/Groups'), 404);
  });

  it('no token, a wrong token or a rotated-away token gets one 401 with a Bearer challenge', async () => {
    const config = await env.scimA('GET', '/ServiceProviderConfig');
    expect(config.json).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 500 }, bulk: { supported: false }, etag: { supported: true } });
    expect((await fetch(`${env.server.url}/scim/v2/ServiceProviderConfig`)).status).toBe(401);
    const noAuth = await fetch(`${env.server.url}/scim/v2/Users`);
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const [, secretA] = env.tokenA.split('.') as [string, string];
    for (const token of [`${env.orgA}.${'A'.repeat(43)}`, 'not-a-token', `${env.orgB}.${secretA}`]) expectScimError(await scimClient(env.server.url, token)('GET', '/Users'), 401);
    const { orgId: orgC } = await createOrg(env.db, 'org-c');
    const old = await scimTokenFor(env.db, orgC);
    const fresh = await scimTokenFor(env.db, orgC);
    expectScimError(await scimClient(env.server.url, old)('GET', '/Users'), 401);
    expect((await scimClient(env.server.url, fresh)('GET', '/Users')).status).toBe(200);
  });

  it("org A's token never reaches org B's users: read, filter, change and delete are refused as not there", async () => {
    const b = await env.scimB('POST', '/Users', bjensen('only-in-b@example.com'));
    const id = b.json.id as string;
    expectScimError(await env.scimA('GET', `/Users/${id}`), 404);
    expect((await env.scimA('GET', `/Users?filter=${encodeURIComponent(`id eq "${id}"`)}`)).json.totalResults).toBe(0);
    expect((await env.scimA('GET', `/Users?filter=${encodeURIComponent('userName eq "only-in-b@example.com"')}`)).json.totalResults).toBe(0);
    expectScimError(await env.scimA('PUT', `/Users/${id}`, bjensen('only-in-b@example.com')), 404);
    expectScimError(await env.scimA('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] }), 404);
    expectScimError(await env.scimA('DELETE', `/Users/${id}`), 404);
    expect((await env.scimB('GET', `/Users/${id}`)).json).toMatchObject({ active: true, meta: { version: 'W/"1"' } });
    // The same userName may exist in both orgs: they are separate people.
    expect((await env.scimA('POST', '/Users', bjensen('only-in-b@example.com'))).status).toBe(201);
  });

  it("row-level security hides org A's identity rows from org B's scope, even without a WHERE clause", async () => {
    await configureOidc(env.db, env.orgA, { issuer: 'https://idp.a.test', clientId: 'a', allowedDomains: ['a.test'], allowedGroups: [] });
    const start = await postJson(env.server.url + IDENTITY_ROUTES.oidcStart, { orgId: env.orgA, publicKey: Buffer.from(newSigner().publicKey).toString('base64url') });
    expect(start.status).toBe(200);
    const seen = await env.db.asTenant(env.orgB, async (sql) => {
      let n = 0;
      for (const t of ['org_oidc', 'oidc_attempts', 'scim_tokens', 'users'])
        n += (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE org_id <> $1`, [env.orgB]))[0]!.n;
      return n;
    });
    expect(seen).toBe(0);
    await expect(env.db.asTenant(env.orgB, (sql) => sql.query("UPDATE scim_tokens SET token_hash = 'x' RETURNING org_id"))).resolves.toEqual([{ org_id: env.orgB }]);
    expect((await env.scimA('GET', '/Users')).status).toBe(200);
    env.tokenB = await scimTokenFor(env.db, env.orgB);
    env.scimB = scimClient(env.server.url, env.tokenB);
  });

  describe('deactivation reaches every device at its next request', () => {
    async function enrolled(userId: string): Promise<{ api: ServerApi }> {
      const device = createDeviceService({ keychain: createMemoryKeychain() });
      const { code } = await issueEnrolCode(env.db, env.orgA, userId);
      const status = await device.enrol({ serverUrl: env.server.url, code, deviceName: 'laptop' });
      if (!status.enrolled) throw new Error('expected enrolled');
      const api = createServerApi({
        baseUrl: env.server.url,
        fetch: nodeFetch,
        clock: { now: Date.now },
        random: nodeRandom,
        signer: { publicKey: fromBase64url(status.publicKey), sign: (bytes) => device.sign(bytes) },
        identity: { orgId: status.orgId, userId: status.userId, deviceId: status.deviceId },
      });
      return { api };
    }
    async function refusal(p: Promise<unknown>): Promise<LatchkeyError> {
      const err = await p.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LatchkeyError);
      return err as LatchkeyError;
    }
    const change = (n: number) => ({ changeId: `scim-change-${String(n).padStart(8, '0')}`, id: `rec-${n}`, baseVersion: 0, deleted: false, ciphertext: 'QUFBQQ' });

    it('active=false stops sync and audit on both devices with the typed error; active=true lets them back', async () => {
      const { json } = await env.scimA('POST', '/Users', bjensen('leaver@example.com'));
      const id = json.id as string;
      const [one, two] = [await enrolled(id), await enrolled(id)];
      await one.api.push([change(1)]);
      expect((await two.api.pull(0, 10)).records).toHaveLength(1);

      await env.scimA('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
      for (const call of [() => one.api.push([change(2)]), () => two.api.pull(0, 10), () => one.api.auditState(), () => two.api.devices()]) {
        const err = await refusal(call());
        expect(err.code).toBe('access_disabled');
        expect(err.message).toBe(ACCESS_DISABLED_MESSAGE);
      }
      // Nor can the person enrol another device meanwhile.
      const { code } = await issueEnrolCode(env.db, env.orgA, id);
      expect((await refusal(enrolDevice({ baseUrl: env.server.url, fetch: nodeFetch }, code, newSigner().publicKey, 'new'))).code).toBe('access_disabled');

      await env.scimA('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active: true } }] });
      expect((await one.api.push([change(3)])).results[0]?.status).toBe('applied');
    });

    it('DELETE stops them too, for good', async () => {
      const { json } = await env.scimA('POST', '/Users', bjensen('deleted@example.com'));
      const id = json.id as string;
      const dev = await enrolled(id);
      await dev.api.push([change(1)]);
      expect((await fetch(`${env.server.url}/scim/v2/Users/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${env.tokenA}` } })).status).toBe(204);
      expect((await refusal(dev.api.pull(0, 10))).code).toBe('access_disabled');
      // Re-creating the userName makes a new person; the old devices stay off.
      expect((await env.scimA('POST', '/Users', bjensen('deleted@example.com'))).json.id).not.toBe(id);
      expect((await refusal(dev.api.pull(0, 10))).code).toBe('access_disabled');
    });
  });
});
