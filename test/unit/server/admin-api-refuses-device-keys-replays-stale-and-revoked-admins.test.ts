/**
 * The admin API is authenticated apart from devices, and every way around that is
 * refused: a device's signed request on an admin route, a device key presented as an
 * admin key, an admin's signed request on a device route, a replayed, stale, tampered
 * or unsigned admin request, and a revoked admin. Bodies and queries are parsed
 * strictly only after authentication, and every admin action, refused ones included,
 * is in the admin action log.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ADMIN_HEADERS, ADMIN_ROUTES, canonicalAdminRequest } from '../../../src/shared/contracts/admin';
import { ROUTES } from '../../../src/shared/contracts/sync';
import { addAdmin, revokeAdmin } from '../../../src/server/admin/admin';
import { enrolTestDevice, newTenant, rawRequest, signRequest, useTestServer } from './helpers';

const env = useTestServer();

interface Admin {
  readonly secretKey: Uint8Array;
  readonly publicKey: string;
}
function newAdminKey(): Admin {
  const secretKey = ed25519.utils.randomSecretKey();
  return { secretKey, publicKey: Buffer.from(ed25519.getPublicKey(secretKey)).toString('base64url') };
}
async function registered(name = 'ops'): Promise<Admin & { adminId: string }> {
  const k = newAdminKey();
  return { ...k, ...(await addAdmin(env.db, name, k.publicKey)) };
}
function adminHeaders(a: Admin, method: string, path: string, body: string, opts: { time?: number; nonce?: string; signedBody?: string } = {}): Record<string, string> {
  const time = opts.time ?? Date.now();
  const nonce = opts.nonce ?? randomBytes(18).toString('base64url');
  const bodySha256 = createHash('sha256')
    .update(opts.signedBody ?? body)
    .digest('hex');
  const sig = ed25519.sign(new TextEncoder().encode(canonicalAdminRequest({ method, path, bodySha256, time, nonce, adminKey: a.publicKey })), a.secretKey);
  return {
    [ADMIN_HEADERS.key]: a.publicKey,
    [ADMIN_HEADERS.time]: String(time),
    [ADMIN_HEADERS.nonce]: nonce,
    [ADMIN_HEADERS.signature]: Buffer.from(sig).toString('base64url'),
    ...(body === '' ? {} : { 'content-type': 'application/json' }),
  };
}
const call = (a: Admin, method: string, path: string, body = '', opts = {}) => rawRequest(env.server.url, method, path, adminHeaders(a, method, path, body, opts), body);
async function lastActions(a: Admin, n: number) {
  const r = await call(a, 'GET', `${ADMIN_ROUTES.actions}?limit=${n}`);
  return (r.json as unknown as { actions: { action: string; outcome: string; reason: string | null; adminId: string | null }[] }).actions;
}

describe('admin API authentication', () => {
  it('a registered admin is served; the same request by a device is refused', async () => {
    const a = await registered();
    const ok = await call(a, 'POST', ADMIN_ROUTES.orgs, JSON.stringify({ name: 'Acme' }));
    expect(ok.status).toBe(200);
    expect(ok.json.orgId).toMatch(/^[0-9a-f-]{36}$/);

    const t = await newTenant(env.db);
    const dev = await enrolTestDevice(env.server, t.orgId, t.userId);
    // A device's own signature on an admin route.
    const body = JSON.stringify({ name: 'Evil' });
    const asDevice = await rawRequest(env.server.url, 'POST', ADMIN_ROUTES.orgs, signRequest(dev, 'POST', ADMIN_ROUTES.orgs, body), body);
    expect(asDevice.status).toBe(401);
    expect(asDevice.json.error?.code).toBe('unauthorized');
    // The device key presented as an admin key (correctly signed admin request): not an admin.
    const devAsAdmin = { secretKey: dev.signer.secretKey, publicKey: Buffer.from(dev.signer.publicKey).toString('base64url') };
    const r = await call(devAsAdmin, 'POST', ADMIN_ROUTES.orgs, body);
    expect(r.status).toBe(401);
    expect(r.json.error?.code).toBe('unauthorized');
  });

  it('an admin signature does not open a device route', async () => {
    const a = await registered();
    const r = await call(a, 'GET', ROUTES.auditState);
    expect(r.status).toBe(401);
    expect(r.json.error?.code).toBe('unauthorized');
  });

  it('replayed, stale, tampered and unsigned admin requests are refused', async () => {
    const a = await registered();
    const body = JSON.stringify({ name: 'Once' });
    const headers = adminHeaders(a, 'POST', ADMIN_ROUTES.orgs, body);
    expect((await rawRequest(env.server.url, 'POST', ADMIN_ROUTES.orgs, headers, body)).status).toBe(200);
    const replay = await rawRequest(env.server.url, 'POST', ADMIN_ROUTES.orgs, headers, body);
    expect(replay.status).toBe(401);
    expect(replay.json.error?.code).toBe('replayed_request');

    const stale = await call(a, 'GET', ADMIN_ROUTES.orgs, '', { time: Date.now() - 10 * 60_000 });
    expect(stale.json.error?.code).toBe('stale_request');

    const tampered = await call(a, 'POST', ADMIN_ROUTES.orgs, JSON.stringify({ name: 'Other' }), { signedBody: body });
    expect(tampered.status).toBe(401);
    expect(tampered.json.error?.code).toBe('unauthorized');

    const unsigned = await rawRequest(env.server.url, 'GET', ADMIN_ROUTES.orgs, {});
    expect(unsigned.status).toBe(401);
    // Another path than the one signed (same admin, same headers).
    const moved = await rawRequest(env.server.url, 'GET', ADMIN_ROUTES.admins, adminHeaders(a, 'GET', ADMIN_ROUTES.orgs, ''));
    expect(moved.status).toBe(401);
  });

  it('a revoked admin is refused from its next request, and the attempt is recorded', async () => {
    const a = await registered('to-revoke');
    expect((await call(a, 'GET', ADMIN_ROUTES.whoami)).json).toMatchObject({ adminId: a.adminId, name: 'to-revoke' });
    await revokeAdmin(env.db, a.adminId);
    const r = await call(a, 'GET', ADMIN_ROUTES.orgs);
    expect(r.status).toBe(403);
    expect(r.json.error?.message).toMatch(/revoked/);
    const b = await registered();
    const acts = await lastActions(b, 5);
    expect(acts.find((x) => x.adminId === a.adminId && x.action === 'list_orgs')).toMatchObject({ outcome: 'refused', reason: 'admin_revoked' });
  });

  it('bodies and queries are parsed strictly after authentication, and a refused action is logged', async () => {
    const a = await registered();
    const dup = await call(a, 'POST', ADMIN_ROUTES.orgs, '{"name":"A","name":"B"}');
    expect(dup.status).toBe(400);
    expect(dup.json.error?.code).toBe('invalid_input');
    const extra = await call(a, 'POST', ADMIN_ROUTES.orgs, JSON.stringify({ name: 'A', admin: true }));
    expect(extra.status).toBe(400);
    const ctl = await call(a, 'POST', ADMIN_ROUTES.orgs, JSON.stringify({ name: 'bad\u0007name' }));
    expect(ctl.status).toBe(400);
    const t = await newTenant(env.db);
    const q = await call(a, 'GET', `${ADMIN_ROUTES.audit(t.orgId)}?format=xml`);
    expect(q.status).toBe(400);
    const badParam = await call(a, 'GET', ADMIN_ROUTES.devices('not-an-id'));
    expect(badParam.status).toBe(400);
    // Routes that take no query or no body refuse one rather than ignore it.
    expect((await call(a, 'GET', `${ADMIN_ROUTES.orgs}?all=1`)).status).toBe(400);
    expect((await call(a, 'POST', ADMIN_ROUTES.revokeAdmin(a.adminId), JSON.stringify({ really: true }))).status).toBe(400);
    expect((await call(a, 'GET', ADMIN_ROUTES.whoami)).status).toBe(200); // not revoked by that
    // An unsigned caller gets the same 401 whatever its body.
    const unsigned = await rawRequest(env.server.url, 'POST', ADMIN_ROUTES.orgs, { 'content-type': 'application/json' }, '{"name":');
    expect(unsigned.status).toBe(401);

    const acts = await lastActions(a, 20);
    const mine = acts.filter((x) => x.adminId !== null && x.action !== 'list_actions');
    expect(mine.slice(0, 8).map((x) => [x.action, x.outcome, x.reason])).toEqual([
      ['whoami', 'ok', null],
      ['revoke_admin', 'refused', 'invalid_input'],
      ['list_orgs', 'refused', 'invalid_input'],
      ['list_devices', 'refused', 'invalid_input'],
      ['export_audit', 'refused', 'invalid_input'],
      ['create_org', 'refused', 'invalid_input'],
      ['create_org', 'refused', 'invalid_input'],
      ['create_org', 'refused', 'invalid_input'],
    ]);
  });

  it('admin tables are out of reach of the device role', async () => {
    const t = await newTenant(env.db);
    await expect(env.db.asTenant(t.orgId, (sql) => sql.query('SELECT * FROM admins'))).rejects.toThrow(/permission denied/);
    await expect(env.db.asTenant(t.orgId, (sql) => sql.query('SELECT * FROM admin_actions'))).rejects.toThrow(/permission denied/);
  });
});
