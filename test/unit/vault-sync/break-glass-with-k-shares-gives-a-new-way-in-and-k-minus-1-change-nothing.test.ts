/**
 * Break-glass recovery end to end, with REAL parts: the org server (PGlite, or the real
 * PostgreSQL named by DATABASE_URL_TEST as scripts/test.sh sets it; HTTP on 127.0.0.1,
 * the signed admin API), real engines on fake-indexeddb composed as the app
 * does (createSyncedDevice) under a managed policy with recovery.breakGlass, and the
 * real `latchkey server break-glass` CLI functions (init, recover).
 *
 * - the ceremony writes one 0600 share file per admin and registers only the public key;
 * - policy on: the vault holds an org-recovery slot, and it syncs (ciphertext only);
 * - k−1 shares: refused with a clear message, nothing on the server changes;
 * - a mistyped share is named (file and admin); shares of another ceremony refused;
 * - k shares: a new recovery code opens the vault on the person's new device;
 * - the person's other device is told (event, notice list, audit record uploaded), and
 *   the admin action log records the recovery;
 * - policy off: no org-recovery slot, and recovery is refused.
 */
import 'fake-indexeddb/auto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesOfBatch, decodeRecord } from '../../../src/core/vault-sync/codec';
import { slotDigest } from '../../../src/core/vault/slots';
import { createUser } from '../../../src/server/admin/admin';
import { PASSWORD, loginDraft } from '../core/helpers';
import { newTenant } from '../server/helpers';
import { createAdminClient } from '../../../src/cli/admin-client';
import { BREAK_GLASS_ROUTES, breakGlassRecoverResponseSchema } from '../../../src/shared/contracts/break-glass';
import { expectCode } from '../core/helpers';
import { cli, managed, refusedUnchanged, startBreakGlassOrg, type BreakGlassOrg, type TestDevice } from './break-glass-fixtures';

const ADMINS = ['alice', 'bob', 'carol', 'dave'];
const K = 3;

let org: BreakGlassOrg;
let t: { orgId: string; userId: string };

beforeAll(async () => {
  org = await startBreakGlassOrg(ADMINS, K);
  t = org.t;
}, 60_000);

afterAll(async () => {
  await org?.close();
});

describe('break-glass recovery', () => {
  it('the ceremony writes one private share file per admin and registers only the public key', async () => {
    const { bg } = org;
    expect(bg).toMatchObject({ threshold: K, admins: ADMINS, keyId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    for (const a of ADMINS) {
      expect(statSync(org.shareOf(a)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(org.shareOf(a), 'utf8'))).toMatchObject({ admin: a, keyId: bg.keyId, threshold: K });
    }
    const row = await org.db.asOwner(async (sql) => {
      await sql.query("SELECT set_config('app.org_id', $1, true)", [t.orgId]);
      return sql.query<{ public_key: string; threshold: number }>('SELECT public_key, threshold FROM break_glass_keys WHERE org_id = $1', [t.orgId]);
    });
    expect(row).toEqual([{ public_key: bg.orgRecoveryPublicKey, threshold: K }]);
    // A second ceremony for the org does not silently replace the key.
    const again = await cli(['break-glass', 'init', '--org', t.orgId, '--threshold', '2', '--admin', 'x1', '--admin', 'x2', '--out-dir', join(org.tmp), ...org.target()]);
    expect(again.code).toBe(1);
    expect(again.err.join('\n')).toMatch(/already has a break-glass recovery key/);
  });

  let a: TestDevice;
  let b: TestDevice;
  let itemId = '';

  it('policy on: the vault holds an org-recovery slot, and it reaches the server as ciphertext', async () => {
    a = await org.device(t.orgId, t.userId, () => managed(org.bg));
    await a.engine.createVault(PASSWORD);
    itemId = (await a.engine.createItem(loginDraft('Mail'))).id;
    const kinds = (await a.engine.listSlots()).map((s) => s.kind).sort();
    expect(kinds).toEqual(['org_recovery', 'password', 'recovery_code']);
    await a.vaultSync.sync();
    const { records } = await org.serverState(t.orgId, t.userId);
    const slots = records.map((r) => decodeRecord(r.record_id, r.ciphertext)).filter((d) => d?.kind === 'slot' && d.record.kind === 'org_recovery');
    expect(slots).toHaveLength(1);
    expect(JSON.stringify(records)).not.toContain(PASSWORD);
    // The person's other device gets it like every slot and opens the vault as usual.
    b = await org.device(t.orgId, t.userId, () => managed(org.bg));
    await b.vaultSync.sync();
    await b.engine.unlockWithPassword(PASSWORD);
    expect((await b.engine.listSlots()).filter((s) => s.kind === 'org_recovery')).toHaveLength(1);
    expect(await b.engine.breakGlassNotices()).toEqual([]);
  });

  it('k−1 shares are refused with a clear message and change nothing on the server', async () => {
    const r = await refusedUnchanged(org, t.orgId, t.userId, () => org.recover(t.orgId, t.userId, ['alice', 'bob']));
    expect(r.err.join('\n')).toMatch(/needs the shares of 3 admins; 2 given \(alice, bob\)\. Nothing was changed/);
    expect(r.out).toEqual([]);
  });

  it('a mistyped share is named by file and admin; the same share twice is refused', async () => {
    const before = await org.serverState(t.orgId, t.userId);
    const file = JSON.parse(readFileSync(org.shareOf('carol'), 'utf8')) as { share: string };
    const typo = join(org.tmp, 'carol-typo.json');
    const c = file.share[10] === 'A' ? 'B' : 'A';
    writeFileSync(typo, JSON.stringify({ ...file, share: file.share.slice(0, 10) + c + file.share.slice(11) }));
    const r = await org.recover(t.orgId, t.userId, ['alice', 'bob'], [typo]);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toContain(`${typo} (admin carol): the share's checksum does not match`);
    const twice = await org.recover(t.orgId, t.userId, ['alice', 'bob', 'bob']);
    expect(twice.code).toBe(1);
    expect(twice.err.join('\n')).toMatch(/given twice/);
    expect(await org.serverState(t.orgId, t.userId)).toEqual(before);
  });

  let code = '';
  it('k shares: a new recovery code, pushed as a slot of the vault; the admin log records it', async () => {
    const r = await org.recover(t.orgId, t.userId, ['dave', 'alice', 'carol']);
    expect(r.err.join('\n')).not.toMatch(/refused|failed/);
    expect(r.code).toBe(0);
    code = r.out[0]!;
    expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$/);
    const after = await org.serverState(t.orgId, t.userId);
    expect(after.recoveries).toEqual([{ slot_id: expect.any(String), admins: JSON.stringify(['alice', 'carol', 'dave']) }]);
    // The code itself is nowhere on the server.
    expect(JSON.stringify(after)).not.toContain(code);
    const log = await cli(['admin-log', '--limit', '20', ...org.target()]);
    expect(log.out.some((l) => / break_glass_recover {2}ok /.test(l) && l.includes(t.userId))).toBe(true);
    expect(log.out.filter((l) => / break_glass_recover {2}refused /.test(l))).toEqual([]);
  });

  it('the person, on a new device with nothing else, opens the vault with the new code and is told', async () => {
    const { bg } = org;
    const c = await org.device(t.orgId, t.userId, () => managed(bg));
    await c.vaultSync.sync();
    await c.engine.unlockWithRecoveryCode(code);
    expect((await c.engine.getItem(itemId)).overview.title).toBe('Mail');
    const notices = await c.engine.breakGlassNotices();
    expect(notices).toEqual([{ slotId: expect.any(String), keyId: bg.keyId, admins: ['alice', 'carol', 'dave'], at: expect.any(Number) }]);
    expect(c.events.filter((e) => e.type === 'breakGlass')).toHaveLength(1);
  });

  it("the person's other device is told at its next sync, and its audit record reaches the server", async () => {
    const { bg } = org;
    await b.vaultSync.sync();
    const told = b.events.filter((e) => e.type === 'breakGlass');
    expect(told).toEqual([{ type: 'breakGlass', notice: { slotId: expect.any(String), keyId: bg.keyId, admins: ['alice', 'carol', 'dave'], at: expect.any(Number) } }]);
    expect(await b.engine.breakGlassNotices()).toHaveLength(1);
    // Told once: a further sync repeats nothing.
    await b.vaultSync.sync();
    expect(b.events.filter((e) => e.type === 'breakGlass')).toHaveLength(1);
    const bodies = await org.db.asOwner((sql) => sql.query<{ body: string }>("SELECT body FROM audit_records WHERE org_id = $1 AND body LIKE '%vault.break_glass%'", [t.orgId]));
    expect(bodies.length).toBeGreaterThanOrEqual(1);
    expect(bodies.map((x) => JSON.parse(x.body) as { reason?: string }).every((x) => x.reason === 'org_recovery')).toBe(true);
  });

  it('policy off: no org-recovery slot, and recovery is refused', async () => {
    const { userId } = await createUser(org.db, t.orgId, 'erin');
    const e = await org.device(t.orgId, userId, () => managed());
    await e.engine.createVault(PASSWORD);
    expect((await e.engine.listSlots()).map((s) => s.kind).sort()).toEqual(['password', 'recovery_code']);
    await e.vaultSync.sync();
    const r = await refusedUnchanged(org, t.orgId, userId, () => org.recover(t.orgId, userId, ['alice', 'bob', 'carol']));
    expect(r.err.join('\n')).toMatch(/no organisation-recovery slot/);
  });

  it('an org-recovery slot the server altered is refused by the admin CLI, and nothing changes', async () => {
    const { userId } = await createUser(org.db, t.orgId, 'gina');
    const g = await org.device(t.orgId, userId, () => managed(org.bg));
    await g.engine.createVault(PASSWORD);
    await g.vaultSync.sync();
    // The server swaps the HPKE ciphertext and recomputes the (unkeyed) digest, so the slot still looks well-formed.
    await org.db.asOwner(async (sql) => {
      const rows = await sql.query<{ record_id: string; ciphertext: string }>(
        "SELECT record_id, ciphertext FROM sync_records WHERE org_id = $1 AND user_id = $2 AND record_id LIKE 'slot:%'",
        [t.orgId, userId],
      );
      const meta = (await g.store.readMeta())!;
      for (const r of rows) {
        const d = decodeRecord(r.record_id, r.ciphertext);
        if (d?.kind !== 'slot' || d.record.kind !== 'org_recovery') continue;
        const ct = Buffer.from((d.record.params as { ct: string }).ct, 'base64url');
        ct[0]! ^= 1;
        const { digest: _d, ...body } = { ...d.record, params: { ...d.record.params, ct: ct.toString('base64url') } };
        const forged = changesOfBatch({ putSlots: [{ ...body, digest: slotDigest(meta.vaultId, body) }] })[0]!;
        await sql.query('UPDATE sync_records SET ciphertext = $1 WHERE org_id = $2 AND user_id = $3 AND record_id = $4', [forged.ciphertext, t.orgId, userId, r.record_id]);
      }
    });
    const r = await refusedUnchanged(org, t.orgId, userId, () => org.recover(t.orgId, userId, ['alice', 'bob', 'carol']));
    expect(r.err.join('\n')).toMatch(/does not open with the organisation's recovery key/);
    expect(r.out).toEqual([]);
  });

  it('the server itself refuses a slot claimed by too few or unknown admins, or one that is not a break-glass code', async () => {
    const { bg } = org;
    const api = await createAdminClient(org.server.url, org.adminKey);
    const { records } = await org.serverState(t.orgId, t.userId);
    const plainSlot = records.find((r) => {
      const d = decodeRecord(r.record_id, r.ciphertext);
      return d?.kind === 'slot' && d.record.kind === 'password';
    })!;
    const send = (body: unknown) => api.json('POST', BREAK_GLASS_ROUTES.recover(t.orgId, t.userId), breakGlassRecoverResponseSchema, body);
    const before = await org.serverState(t.orgId, t.userId);
    const body = { keyId: bg.keyId, recordId: `slot:${'Z'.repeat(22)}`, ciphertext: plainSlot.ciphertext };
    await expectCode(send({ ...body, admins: ['alice', 'bob'] }), 'forbidden');
    await expectCode(send({ ...body, admins: ['alice', 'bob', 'mallory'] }), 'forbidden');
    await expectCode(send({ ...body, admins: ['alice', 'bob', 'carol'] }), 'invalid_input');
    await expectCode(send({ ...body, admins: ['alice', 'bob', 'carol'], extra: 1 }), 'invalid_input');
    expect(await org.serverState(t.orgId, t.userId)).toEqual(before);
    const log = await cli(['admin-log', '--limit', '10', ...org.target()]);
    expect(log.out.filter((l) => / break_glass_recover {2}refused \((forbidden|invalid_input)\)/.test(l))).toHaveLength(4);
  });

  it('turning the policy off removes the slot at the next unlock; an org without a ceremony has no recovery', async () => {
    let policy = managed(org.bg);
    const { userId } = await createUser(org.db, t.orgId, 'frank');
    const f = await org.device(t.orgId, userId, () => policy);
    await f.engine.createVault(PASSWORD);
    expect((await f.engine.listSlots()).some((s) => s.kind === 'org_recovery')).toBe(true);
    f.engine.lock();
    policy = managed();
    await f.engine.unlockWithPassword(PASSWORD);
    expect((await f.engine.listSlots()).some((s) => s.kind === 'org_recovery')).toBe(false);

    const other = await newTenant(org.db, 'globex');
    const r = await org.recover(other.orgId, other.userId, ['alice', 'bob', 'carol']);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/share for another organisation/);
  });
});
