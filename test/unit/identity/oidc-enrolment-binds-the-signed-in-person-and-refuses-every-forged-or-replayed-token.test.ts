/**
 * OIDC enrolment against a REAL OpenID provider (panva/oidc-provider on 127.0.0.1), the
 * real org server (PGlite, and PostgreSQL when DATABASE_URL_TEST is set) and main's
 * real device service: the person signs in (authorization code + PKCE, loopback
 * redirect), the server verifies the ID token and binds the device key to the person
 * SCIM provisioned under that e-mail, and the device then syncs. Refused: a token for
 * another client (audience), an expired one, a replayed nonce, a token from another
 * issuer, a forged signature, an e-mail domain or group the org does not allow, an
 * unverified e-mail, an attempt started for another device key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair } from 'jose';
import { createDeviceService } from '../../../src/main/device';
import { signInWithOidc } from '../../../src/main/device/oidc-sign-in';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { createServerApi } from '../../../src/core/sync';
import { personalPolicy } from '../../../src/core/policy';
import { fromBase64url } from '../../../src/core/crypto/bytes';
import { createOrg, listDevices } from '../../../src/server/admin/admin';
import type { Database } from '../../../src/server/db/db';
import { startServer, type RunningServer } from '../../../src/server/server';
import { IDENTITY_ROUTES, oidcStartResponseSchema, type OidcStartResponse } from '../../../src/shared/contracts/identity';
import { LatchkeyError } from '../../../src/shared/errors';
import { REAL_PG_URL, newSigner, nodeFetch, nodeRandom, openTestDatabase } from '../server/helpers';
import { browserFor, startTestIdp, type TestIdp } from '../../identity/test-idp';
import { USER_SCHEMA, configureOidc, postJson, scimClient, scimTokenFor } from '../../identity/helpers';

const KINDS: ('pglite' | 'pg')[] = REAL_PG_URL ? ['pglite', 'pg'] : ['pglite'];
const CLIENT = 'latchkey-acme';
const ACCOUNTS = {
  alice: { email: 'Alice@acme.test', groups: ['eng'] },
  bob: { email: 'bob@elsewhere.test', groups: ['sales'] },
  carol: { email: 'carol@contractor.test', groups: ['latchkey-users'] },
  dave: { email: 'dave@acme.test', emailVerified: false },
  // Another account of the same IdP that was given Alice's address later.
  mallory: { email: 'alice@acme.test', groups: ['eng'] },
};

describe.each(KINDS)('OIDC enrolment on %s', (kind) => {
  let db: Database;
  let server: RunningServer;
  let later: RunningServer; // the same data, its clock two hours ahead (the ID token lives one hour)
  let idp: TestIdp;
  let otherIdp: TestIdp;
  let orgId: string;
  let aliceId: string;

  beforeAll(async () => {
    db = (await openTestDatabase(kind)).db;
    server = await startServer({ db, checkpointIntervalMs: 0, enrolRateLimitPerMinute: 10_000 });
    later = await startServer({ db, checkpointIntervalMs: 0, enrolRateLimitPerMinute: 10_000, now: () => Date.now() + 2 * 3600_000 });
    idp = await startTestIdp({ clients: [CLIENT, 'another-app'], accounts: ACCOUNTS });
    otherIdp = await startTestIdp({ clients: [CLIENT], accounts: ACCOUNTS });
    orgId = (await createOrg(db, 'acme')).orgId;
    await configureOidc(db, orgId, { issuer: idp.issuer, clientId: CLIENT, allowedDomains: ['acme.test'], allowedGroups: ['latchkey-users'], createPeople: true });
    // Alice is provisioned by the IdP over SCIM first; her sign-in must land on that person.
    const scim = scimClient(server.url, await scimTokenFor(db, orgId));
    const created = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'alice@acme.test', name: { givenName: 'Alice' } });
    expect(created.status).toBe(201);
    aliceId = created.json.id as string;
  }, 60_000);
  afterAll(async () => {
    await later?.close();
    await server?.close();
    await idp?.close();
    await otherIdp?.close();
    await db?.close();
  });

  /** Starts an attempt for a fresh device key, as the app does. */
  async function start(base = server.url) {
    const signer = newSigner();
    const r = await postJson(base + IDENTITY_ROUTES.oidcStart, { orgId, publicKey: Buffer.from(signer.publicKey).toString('base64url') });
    expect(r.status).toBe(200);
    return { signer, attempt: oidcStartResponseSchema.parse(r.json) };
  }

  /** A real ID token from `at` for `client`, carrying the attempt's nonce (the app's own sign-in code). */
  const tokenFrom = (at: TestIdp, attempt: OidcStartResponse, login: string, client = CLIENT) =>
    signInWithOidc({ ...attempt, issuer: at.issuer, clientId: client }, { openBrowser: browserFor(login) });

  const complete = (base: string, attempt: OidcStartResponse, signer: { publicKey: Uint8Array }, idToken: string) =>
    postJson(base + IDENTITY_ROUTES.oidcComplete, {
      orgId,
      attemptId: attempt.attemptId,
      idToken,
      publicKey: Buffer.from(signer.publicKey).toString('base64url'),
      deviceName: 'laptop',
    });

  it('the device service signs in, is bound to the person SCIM made for that e-mail, and syncs', async () => {
    const device = createDeviceService({ keychain: createMemoryKeychain(), openBrowser: browserFor('alice') });
    const status = await device.enrolWithSignIn({ serverUrl: server.url, orgId, deviceName: 'alice laptop' });
    if (!status.enrolled) throw new Error('expected enrolled');
    expect(status).toMatchObject({ orgId, userId: aliceId });
    const via = await db.asOwner((sql) => sql.query<{ enrolled_via: string }>('SELECT enrolled_via FROM devices WHERE id = $1', [status.deviceId]));
    expect(via[0]?.enrolled_via).toBe('oidc');
    // The admin device list says so too.
    expect((await listDevices(db, orgId)).find((d) => d.deviceId === status.deviceId)).toMatchObject({ enrolledVia: 'oidc', revokedAt: null, revokedBy: null });

    const api = createServerApi({
      baseUrl: server.url,
      fetch: nodeFetch,
      clock: { now: Date.now },
      random: nodeRandom,
      signer: { publicKey: fromBase64url(status.publicKey), sign: (b) => device.sign(b) },
      identity: { orgId: status.orgId, userId: status.userId, deviceId: status.deviceId },
    });
    const pushed = await api.push([{ changeId: 'oidc-change-0000001', id: 'item-1', baseVersion: 0, deleted: false, ciphertext: 'c2VhbGVk' }]);
    expect(pushed.results[0]).toMatchObject({ status: 'applied', version: 1 });
    const pulled = await api.pull(0, 100);
    expect(pulled.records.map((r) => [r.id, r.ciphertext])).toEqual([['item-1', 'c2VhbGVk']]);
  });

  it("a later sign-in with the person's e-mail from another account of the IdP is refused", async () => {
    const { signer, attempt } = await start();
    const r = await complete(server.url, attempt, signer, await tokenFrom(idp, attempt, 'mallory'));
    expect(r.status).toBe(403);
    expect(r.json.error?.details?.reason).toBe('subject');
  });

  it('a group the org allows admits an e-mail outside its domains, and creates the person just in time', async () => {
    const { signer, attempt } = await start();
    const r = await complete(server.url, attempt, signer, await tokenFrom(idp, attempt, 'carol'));
    expect(r.status).toBe(200);
    const person = await db.asOwner((sql) => sql.query<{ user_name: string }>('SELECT user_name FROM users WHERE id = $1', [r.json.userId]));
    expect(person[0]?.user_name).toBe('carol@contractor.test');
  });

  it('refuses a token issued to another client (audience)', async () => {
    const { signer, attempt } = await start();
    const r = await complete(server.url, attempt, signer, await tokenFrom(idp, attempt, 'alice', 'another-app'));
    expect(r.status).toBe(401);
    expect(r.json.error?.details?.reason).toBe('audience');
  });

  it('refuses an expired token', async () => {
    const { signer, attempt } = await start(later.url);
    const r = await complete(later.url, attempt, signer, await tokenFrom(idp, attempt, 'alice'));
    expect(r.status).toBe(401);
    expect(r.json.error?.details?.reason).toBe('expired');
  });

  it('refuses a replayed nonce: the same sign-in twice, and a sign-in carried to another attempt', async () => {
    const { signer, attempt } = await start();
    const token = await tokenFrom(idp, attempt, 'alice');
    expect((await complete(server.url, attempt, signer, token)).status).toBe(200);
    const again = await complete(server.url, attempt, newSigner(), token);
    expect(again.status).toBe(401);
    expect(again.json.error?.details?.reason).toBe('attempt');
    // A second attempt of the same device key: its nonce is not the token's.
    const second = await postJson(server.url + IDENTITY_ROUTES.oidcStart, { orgId, publicKey: Buffer.from(signer.publicKey).toString('base64url') });
    const other = oidcStartResponseSchema.parse(second.json);
    const moved = await complete(server.url, other, signer, token);
    expect(moved.status).toBe(401);
    expect(moved.json.error?.details?.reason).toBe('nonce');
  });

  it('refuses a token from another issuer, even for the same client id and account', async () => {
    const { signer, attempt } = await start();
    const r = await complete(server.url, attempt, signer, await tokenFrom(otherIdp, attempt, 'alice'));
    expect(r.status).toBe(401);
    expect(r.json.error?.details?.reason).toBe('issuer');
  });

  it("refuses a token with the IdP's issuer, audience and nonce but signed by another key", async () => {
    const { signer, attempt } = await start();
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ nonce: attempt.nonce, email: 'alice@acme.test', email_verified: true })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(idp.issuer)
      .setAudience(CLIENT)
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    const r = await complete(server.url, attempt, signer, forged);
    expect(r.status).toBe(401);
    expect(r.json.error?.details?.reason).toBe('signature');
  });

  it('refuses an e-mail domain and groups the org does not allow, and an unverified e-mail', async () => {
    const a = await start();
    const bob = await complete(server.url, a.attempt, a.signer, await tokenFrom(idp, a.attempt, 'bob'));
    expect(bob.status).toBe(403);
    expect(bob.json.error?.details?.reason).toBe('not_allowed');
    const b = await start();
    const dave = await complete(server.url, b.attempt, b.signer, await tokenFrom(idp, b.attempt, 'dave'));
    expect(dave.status).toBe(401);
    expect(dave.json.error?.details?.reason).toBe('claims');
  });

  it('refuses to finish an attempt with another device key than the one it was started for', async () => {
    const { attempt } = await start();
    const token = await tokenFrom(idp, attempt, 'alice');
    const r = await complete(server.url, attempt, newSigner(), token);
    expect(r.status).toBe(401);
    expect(r.json.error?.details?.reason).toBe('attempt');
  });

  it('the device service refuses sign-in to a server other than the one policy names, and without a browser to open', async () => {
    let opened = false;
    const policy = { ...personalPolicy(), managed: true, policy: { version: 1 as const, org: { name: 'Acme', serverUrl: 'https://latchkey.acme.test' } } };
    const managed = createDeviceService({ keychain: createMemoryKeychain(), policy: () => policy, openBrowser: () => void (opened = true) });
    const err = await managed.enrolWithSignIn({ serverUrl: server.url, orgId, deviceName: 'x' }).catch((e: unknown) => e);
    expect((err as LatchkeyError).code).toBe('policy_forbidden');
    expect(opened).toBe(false);
    const headless = createDeviceService({ keychain: createMemoryKeychain() });
    expect(((await headless.enrolWithSignIn({ serverUrl: server.url, orgId, deviceName: 'x' }).catch((e: unknown) => e)) as LatchkeyError).code).toBe('unsupported');
  });

  it('an org without OIDC configuration offers no sign-in; the device service says so', async () => {
    const { orgId: plain } = await createOrg(db, 'plain');
    const device = createDeviceService({ keychain: createMemoryKeychain(), openBrowser: browserFor('alice') });
    const err = await device.enrolWithSignIn({ serverUrl: server.url, orgId: plain, deviceName: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LatchkeyError);
    expect((err as LatchkeyError).code).toBe('not_found');
    expect((await device.status()).enrolled).toBe(false);
  });
});
