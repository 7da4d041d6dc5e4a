/**
 * POST /v1/enrol with a proposed device id (a device that signed its audit chain before
 * enrolling, src/core/sync/device-id.ts), against the real server on PGlite: the id is
 * kept only when it is the derivation from the public key sent; another id is refused
 * without using the code up; an old client that proposes none gets a random UUID; a key
 * already enrolled cannot be enrolled again under its id.
 */
import { describe, expect, it } from 'vitest';
import { deviceIdForPublicKey } from '../../../src/core/sync/device-id';
import { createServerApi, enrolDevice } from '../../../src/core/sync';
import { issueEnrolCode } from '../../../src/server/admin/admin';
import { LatchkeyError } from '../../../src/shared/errors';
import { newSigner, newTenant, nodeFetch, nodeRandom, useTestServer } from './helpers';

const env = useTestServer();

async function refusal(p: Promise<unknown>): Promise<LatchkeyError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LatchkeyError);
  return err as LatchkeyError;
}

describe('enrolment and the device id a device proposes', () => {
  it("keeps the proposed id when it is the key's derivation, and the device can sign requests under it", async () => {
    const { orgId, userId } = await newTenant(env.db);
    const { code } = await issueEnrolCode(env.db, orgId, userId);
    const signer = newSigner();
    const id = deviceIdForPublicKey(signer.publicKey);
    const r = await enrolDevice({ baseUrl: env.server.url, fetch: nodeFetch }, code, signer.publicKey, 'laptop', id);
    expect(r.deviceId).toBe(id);
    const api = createServerApi({ baseUrl: env.server.url, fetch: nodeFetch, random: nodeRandom, signer, clock: { now: Date.now }, identity: { orgId, userId, deviceId: id } });
    expect((await api.devices()).devices.map((d) => d.deviceId)).toContain(id);
  });

  it("refuses an id that is not the key's own (another key's, or made up), and the code stays usable", async () => {
    const { orgId, userId } = await newTenant(env.db);
    const { code } = await issueEnrolCode(env.db, orgId, userId);
    const signer = newSigner();
    const victim = deviceIdForPublicKey(newSigner().publicKey);
    for (const wrong of [victim, '00000000-0000-8000-8000-000000000000']) {
      const err = await refusal(enrolDevice({ baseUrl: env.server.url, fetch: nodeFetch }, code, signer.publicKey, 'laptop', wrong));
      expect(err.code).toBe('invalid_input');
      expect(err.message).toContain('derived from this device key');
    }
    const r = await enrolDevice({ baseUrl: env.server.url, fetch: nodeFetch }, code, signer.publicKey, 'laptop', deviceIdForPublicKey(signer.publicKey));
    expect(r.deviceId).toBe(deviceIdForPublicKey(signer.publicKey));
  });

  it('an older client that proposes no id still gets a random one', async () => {
    const { orgId, userId } = await newTenant(env.db);
    const { code } = await issueEnrolCode(env.db, orgId, userId);
    const signer = newSigner();
    const r = await enrolDevice({ baseUrl: env.server.url, fetch: nodeFetch }, code, signer.publicKey, 'old laptop');
    expect(r.deviceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.deviceId).not.toBe(deviceIdForPublicKey(signer.publicKey));
  });

  it('a key enrolled once cannot be enrolled again under its id (even in another org), and that code is not used up', async () => {
    const a = await newTenant(env.db, 'one');
    const b = await newTenant(env.db, 'two');
    const signer = newSigner();
    const id = deviceIdForPublicKey(signer.publicKey);
    await enrolDevice({ baseUrl: env.server.url, fetch: nodeFetch }, (await issueEnrolCode(env.db, a.orgId, a.userId)).code, signer.publicKey, 'x', id);
    const { code } = await issueEnrolCode(env.db, b.orgId, b.userId);
    expect((await refusal(enrolDevice({ baseUrl: env.server.url, fetch: nodeFetch }, code, signer.publicKey, 'x', id))).code).toBe('conflict');
    const other = newSigner();
    const r = await enrolDevice({ baseUrl: env.server.url, fetch: nodeFetch }, code, other.publicKey, 'y', deviceIdForPublicKey(other.publicKey));
    expect(r.orgId).toBe(b.orgId);
  });
});
