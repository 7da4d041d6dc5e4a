/**
 * Tenant isolation: every route tried with another organisation's ids fails, and the
 * answer is the same as for ids that do not exist at all. Underneath, PostgreSQL
 * row-level security under the non-owner app role hides other orgs' rows even from a
 * query with no WHERE clause. Runs on PGlite, and on real PostgreSQL when
 * DATABASE_URL_TEST is set.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/server/db/db';
import type { RunningServer } from '../../../src/server/server';
import { ROUTES, type SignedManifest } from '../../../src/shared/contracts/sync';
import { signManifest, enrolDevice } from '../../../src/core/sync';
import { issueEnrolCode } from '../../../src/server/admin/admin';
import { REAL_PG_URL, enrolTestDevice, newSigner, newTenant, nodeFetch, openTestDatabase, rawRequest, signRequest, startTestServer, type TestDevice } from './helpers';

const KINDS: ('pglite' | 'pg')[] = REAL_PG_URL ? ['pglite', 'pg'] : ['pglite'];
const TENANT_TABLES = ['users', 'devices', 'enrol_codes', 'request_nonces', 'sync_heads', 'sync_records', 'sync_manifests', 'audit_records', 'audit_heads', 'audit_checkpoints'];

describe.each(KINDS)('tenant isolation on %s', (kind) => {
  let db: Database;
  let server: RunningServer;
  let a: TestDevice;
  let b: TestDevice;
  beforeAll(async () => {
    db = (await openTestDatabase(kind)).db;
    server = await startTestServer(db);
    const ta = await newTenant(db, 'org-a');
    const tb = await newTenant(db, 'org-b');
    a = await enrolTestDevice(server, ta.orgId, ta.userId);
    b = await enrolTestDevice(server, tb.orgId, tb.userId);
    await a.api.push([{ changeId: 'aaaaaaaaaaaaaaaaaaaaaa', id: 'secret-rec', baseVersion: 0, deleted: false, ciphertext: 'QUFBQQ' }]);
    await issueEnrolCode(db, ta.orgId, ta.userId);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('a device presenting another org or device id is refused exactly like an unknown id', async () => {
    const asA = { ...b, orgId: a.orgId };
    const asADevice = { ...b, orgId: a.orgId, deviceId: a.deviceId };
    const unknown = { ...b, orgId: randomUUID() };
    const answers = [];
    for (const who of [asA, asADevice, unknown]) {
      for (const [method, path, body] of [
        ['GET', `${ROUTES.pull}?cursor=0&limit=10`, ''],
        ['POST', ROUTES.push, JSON.stringify({ changes: [{ changeId: 'bbbbbbbbbbbbbbbbbbbbbb', id: 'secret-rec', baseVersion: 1, deleted: true, ciphertext: '' }] })],
        ['GET', ROUTES.manifest, ''],
        ['GET', ROUTES.devices, ''],
        ['GET', ROUTES.auditState, ''],
        ['GET', ROUTES.checkpoint, ''],
        ['GET', `${ROUTES.proof}?device=${a.deviceId}&seq=1`, ''],
      ] as const) {
        const res = await rawRequest(server.url, method, path, signRequest(who, method, path, body), body);
        answers.push(JSON.stringify([res.status, res.json]));
      }
    }
    // Same status and same words whether the other org and device exist or not.
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0]!)[0]).toBe(401);
  });

  it("signed routes of one org never show or change another org's records", async () => {
    const pulled = await b.api.pull(0, 100);
    expect(pulled.records).toEqual([]);
    // Same record id in B's space: a new record of B's, A's untouched, no conflict that would reveal A's.
    const pushed = await b.api.push([{ changeId: 'cccccccccccccccccccccc', id: 'secret-rec', baseVersion: 0, deleted: false, ciphertext: 'QkJCQg' }]);
    expect(pushed.results[0]).toMatchObject({ status: 'applied', version: 1 });
    const aView = await a.api.pull(0, 100);
    expect(aView.records).toEqual([expect.objectContaining({ id: 'secret-rec', version: 1, ciphertext: 'QUFBQQ' })]);
    expect((await b.api.devices()).devices.map((d) => d.deviceId)).toEqual([b.deviceId]);
    expect(await b.api.proof(a.deviceId, 1).catch((e: { code: string; message: string }) => [e.code, e.message])).toEqual(
      await b.api.proof(randomUUID(), 1).catch((e: { code: string; message: string }) => [e.code, e.message]),
    );
  });

  it('a manifest naming another org or person is refused', async () => {
    const forged: SignedManifest = await signManifest({ orgId: a.orgId, userId: a.userId, deviceId: b.deviceId, seq: 0, time: Date.now(), entries: [] }, b.signer);
    const body = JSON.stringify(forged);
    const res = await rawRequest(server.url, 'PUT', ROUTES.manifest, signRequest(b, 'PUT', ROUTES.manifest, body), body);
    expect(res.json.error?.code).toBe('forbidden');
  });

  it("an enrolment code of one org cannot be redeemed with another org's id", async () => {
    const { code } = await issueEnrolCode(db, b.orgId, b.userId);
    const secret = code.split('.')[1]!;
    await expect(enrolDevice({ baseUrl: server.url, fetch: nodeFetch }, `${a.orgId}.${secret}`, newSigner().publicKey, 'x')).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('row-level security hides and protects other orgs rows from the app role, even without a WHERE clause', async () => {
    const foreign = await db.asTenant(b.orgId, async (sql) => {
      let n = 0;
      for (const t of TENANT_TABLES) n += (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE org_id <> $1`, [b.orgId]))[0]!.n;
      n += (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM orgs WHERE id <> $1', [b.orgId]))[0]!.n;
      return n;
    });
    expect(foreign).toBe(0);
    const everything = await db.asTenant(b.orgId, (sql) => sql.query<{ org_id: string }>('SELECT org_id FROM sync_records'));
    expect(everything.every((r) => r.org_id === b.orgId)).toBe(true);
    const updated = await db.asTenant(b.orgId, (sql) => sql.query("UPDATE sync_records SET ciphertext = 'pwned' RETURNING org_id"));
    expect(updated.every((r) => r.org_id === b.orgId)).toBe(true);
    expect((await a.api.pull(0, 10)).records[0]?.ciphertext).toBe('QUFBQQ');
    await expect(
      db.asTenant(b.orgId, (sql) =>
        sql.query("INSERT INTO sync_records (org_id, user_id, record_id, version, seq, deleted, ciphertext, last_change_id) VALUES ($1, $2, 'planted', 1, 99, false, 'x', 'x')", [
          a.orgId,
          a.userId,
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(db.asTenant(b.orgId, (sql) => sql.query('SELECT * FROM server_keys'))).rejects.toThrow(/permission denied/);
  });

  it('the app role is neither superuser nor able to bypass row-level security', async () => {
    const rows = await db.asTenant(b.orgId, (sql) =>
      sql.query<{ rolsuper: boolean; rolbypassrls: boolean; who: string }>('SELECT rolsuper, rolbypassrls, current_user AS who FROM pg_roles WHERE rolname = current_user'),
    );
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, who: 'latchkey_app' });
  });
});
