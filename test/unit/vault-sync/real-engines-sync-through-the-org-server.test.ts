/**
 * Two REAL vault engines (fake-indexeddb, separate databases, each device enrolled with
 * its own Ed25519 key) sync through a REAL org server (PGlite, HTTP on 127.0.0.1):
 * - a second device pulls the vault as ciphertext and opens it with the same password
 *   (and recovery code); the server never holds a plaintext secret;
 * - offline edits on both devices merge field by field, same-field edits keep both;
 * - a record tampered on the server is refused with 'integrity', local data unchanged;
 * - records pulled while locked wait (as ciphertext) and appear after unlock;
 * - engine actions produce signed audit records that upload and verify on the server.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain, type AuditRecord } from '../../../src/core/audit';
import { itemSyncId } from '../../../src/core/vault-sync';
import type { Database } from '../../../src/server/db/db';
import type { RunningServer } from '../../../src/server/server';
import { exportRecords } from '../../../src/server/audit/store';
import type { ItemUpdate, MaskedItemDetails } from '../../../src/shared/items';
import { PASSWORD, apiDraft, expectCode, loginDraft, noteDraft } from '../core/helpers';
import { newTenant, openTestDatabase, startTestServer } from '../server/helpers';
import { vaultDevice, type VaultDevice } from './devices';

let db: Database;
let server: RunningServer;
const open: VaultDevice[] = [];
beforeAll(async () => {
  db = (await openTestDatabase()).db;
  server = await startTestServer(db);
});
afterAll(async () => {
  for (const d of open) d.close();
  await server?.close();
  await db?.close();
});

async function device(orgId: string, userId: string): Promise<VaultDevice> {
  const d = await vaultDevice(server, orgId, userId);
  open.push(d);
  return d;
}

/** Device A with a vault of 3 items, synced; device B enrolled, pulled and unlocked. */
async function twoDevices() {
  const t = await newTenant(db);
  const a = await device(t.orgId, t.userId);
  const { recoveryCode } = await a.engine.createVault(PASSWORD);
  const login = await a.engine.createItem(loginDraft('Mail'));
  const api = await a.engine.createItem(apiDraft());
  const note = await a.engine.createItem(noteDraft());
  const ra = await a.vaultSync.sync();
  const b = await device(t.orgId, t.userId);
  const rb = await b.vaultSync.sync();
  return { t, a, b, recoveryCode, ids: { login: login.id, api: api.id, note: note.id }, ra, rb };
}

async function serverCiphertexts(orgId: string): Promise<{ record_id: string; ciphertext: string }[]> {
  return db.asOwner((sql) => sql.query<{ record_id: string; ciphertext: string }>('SELECT record_id, ciphertext FROM sync_records WHERE org_id = $1', [orgId]));
}

/** Flips one byte inside the details envelope of the stored record (keeping it well-formed). */
async function tamperOnServer(orgId: string, recordId: string): Promise<void> {
  await db.asOwner(async (sql) => {
    const [row] = await sql.query<{ ciphertext: string }>('SELECT ciphertext FROM sync_records WHERE org_id = $1 AND record_id = $2', [orgId, recordId]);
    const payload = JSON.parse(Buffer.from(row!.ciphertext, 'base64url').toString('utf8')) as { record: { details: string } };
    const env = Buffer.from(payload.record.details, 'base64url');
    env[env.length - 20]! ^= 0x01;
    payload.record.details = env.toString('base64url');
    await sql.query('UPDATE sync_records SET ciphertext = $1 WHERE org_id = $2 AND record_id = $3', [Buffer.from(JSON.stringify(payload)).toString('base64url'), orgId, recordId]);
  });
}

function edited(details: MaskedItemDetails, id: string, version: number, overview: ItemUpdate['overview'], patch: Partial<Record<'password', string>>): ItemUpdate {
  return { id, baseVersion: version, overview, details: { ...details, ...patch } };
}

describe('vault sync between two real engines', () => {
  it('a second device pulls the vault and opens it with the same password and recovery code; the server holds only ciphertext', async () => {
    const { t, a, b, recoveryCode, ids, ra, rb } = await twoDevices();
    expect(ra.pushed).toBe(3 + 2 + 1 + 1); // items, password + recovery slots, settings, meta
    expect(rb.pulled).toBe(7);
    expect((await b.engine.status()).state).toBe('locked');

    await b.engine.unlockWithPassword(PASSWORD);
    expect(
      b.engine
        .listItems()
        .map((i) => i.overview.title)
        .sort(),
    ).toEqual(['GitHub API', 'Mail', 'Safe combination']);
    expect(await b.engine.revealField(ids.login, 'password')).toBe('hunter2-very-secret');
    expect((await b.engine.useCredential(ids.api)).secret).toBe('ghp_supersecrettokenvalue');
    // First unlock of a vault received by sync: the device's vault head is created (trust on first use) and that is said, once.
    expect((await b.engine.status()).issues).toEqual([{ where: 'vault_head', id: 'vault_head', problem: 'created' }]);
    b.engine.lock();
    await b.engine.unlockWithRecoveryCode(recoveryCode);
    expect((await b.engine.status()).issues).toBeUndefined();
    expect(b.engine.listItems()).toHaveLength(3);
    // B's own unlock wrote nothing it needs to upload (pages are per device).
    expect(await b.vaultSync.client.pendingCount()).toBe(0);

    const rows = await serverCiphertexts(t.orgId);
    expect(rows.map((r) => r.record_id)).toContain(itemSyncId(ids.login));
    const everything = rows.map((r) => Buffer.from(r.ciphertext, 'base64url').toString('utf8')).join('\n');
    for (const secret of ['hunter2-very-secret', 'ghp_supersecrettokenvalue', '12-34-56', 'Mail', 'alice@example.com', recoveryCode]) {
      expect(everything).not.toContain(secret);
    }
    expect(a.engine.listItems()).toHaveLength(3);
  });

  it('records pulled while the vault is locked wait as ciphertext and appear after unlock', async () => {
    const { a, b } = await twoDevices();
    await b.engine.unlockWithPassword(PASSWORD);
    b.engine.lock();
    const late = await a.engine.createItem(loginDraft('Arrived while locked'));
    await a.vaultSync.sync();
    expect((await b.vaultSync.sync()).pulled).toBe(1);
    await b.engine.unlockWithPassword(PASSWORD);
    await b.vaultSync.drainInbox(); // the unlock already started it; this waits for it
    expect(b.engine.listItems().map((i) => i.id)).toContain(late.id);
    expect(await b.engine.revealField(late.id, 'password')).toBe('hunter2-very-secret');
  });

  it('offline edits of different fields on both devices are merged; the same field keeps both versions', async () => {
    const { a, b, ids } = await twoDevices();
    await b.engine.unlockWithPassword(PASSWORD);

    // Different fields: A changes the password, B renames the item.
    const va = await a.engine.getItem(ids.login);
    await a.engine.updateItem(edited(va.details, ids.login, va.version, va.overview, { password: 'new-from-A' }));
    const vb = await b.engine.getItem(ids.login);
    await b.engine.updateItem(edited(vb.details, ids.login, vb.version, { ...vb.overview, title: 'Work mail' }, {}));
    await a.vaultSync.sync();
    expect((await b.vaultSync.sync()).conflicts).toBe(1);
    await a.vaultSync.sync();
    for (const d of [a, b]) {
      expect((await d.engine.getItem(ids.login)).overview.title).toBe('Work mail');
      expect(await d.engine.revealField(ids.login, 'password')).toBe('new-from-A');
      expect(d.engine.listItems()).toHaveLength(3);
    }

    // Same field: both rename the note differently.
    for (const [d, title] of [
      [a, 'Safe (A)'],
      [b, 'Safe (B)'],
    ] as const) {
      const v = await d.engine.getItem(ids.note);
      await d.engine.updateItem({ id: ids.note, baseVersion: v.version, overview: { ...v.overview, title }, details: v.details });
    }
    await a.vaultSync.sync();
    await b.vaultSync.sync();
    await a.vaultSync.sync();
    for (const d of [a, b]) {
      const titles = d.engine
        .listItems()
        .map((i) => i.overview.title)
        .sort();
      expect(titles).toEqual(['GitHub API', 'Safe (A)', 'Safe (B)', 'Work mail']);
      const copy = d.engine.listItems().find((i) => i.overview.title === 'Safe (B)')!;
      expect((await d.engine.getItem(copy.id)).details).toMatchObject({ kind: 'secure_note', text: '12-34-56' });
    }
    expect(await a.vaultSync.client.pendingCount()).toBe(0);
    expect(await b.vaultSync.client.pendingCount()).toBe(0);
  });

  it("a record tampered on the server is refused with 'integrity' and the pulling device's copy is unchanged", async () => {
    const { t, a, b, ids } = await twoDevices();
    await b.engine.unlockWithPassword(PASSWORD);
    const before = await b.engine.getItem(ids.login);

    const va = await a.engine.getItem(ids.login);
    await a.engine.updateItem(edited(va.details, ids.login, va.version, { ...va.overview, title: 'Changed on A' }, { password: 'changed-on-A' }));
    await a.vaultSync.sync();

    const recordId = itemSyncId(ids.login);
    await tamperOnServer(t.orgId, recordId);

    const details = await expectCode(b.vaultSync.sync(), 'integrity');
    expect(details).toMatchObject({ recordId });
    expect(b.vaultSync.refused()).toContain(recordId);
    const after = await b.engine.getItem(ids.login);
    expect(after).toEqual(before);
    expect(await b.engine.revealField(ids.login, 'password')).toBe('hunter2-very-secret');
    // Still refused on the next pass: the bad record never gets in.
    await expectCode(b.vaultSync.sync(), 'integrity');
    expect((await b.engine.getItem(ids.login)).overview.title).toBe('Mail');
  });

  it('a tampered record pulled while locked waits, then is refused at unlock and the local copy stays', async () => {
    const { t, a, b, ids } = await twoDevices();
    await b.engine.unlockWithPassword(PASSWORD);
    const before = await b.engine.getItem(ids.login);
    b.engine.lock();
    const va = await a.engine.getItem(ids.login);
    await a.engine.updateItem(edited(va.details, ids.login, va.version, va.overview, { password: 'changed-on-A' }));
    await a.vaultSync.sync();
    const recordId = itemSyncId(ids.login);
    await tamperOnServer(t.orgId, recordId);

    expect((await b.vaultSync.sync()).pulled).toBe(1); // locked: kept as ciphertext, nothing written
    await b.engine.unlockWithPassword(PASSWORD);
    await b.vaultSync.drainInbox();
    expect(b.vaultSync.refused()).toContain(recordId);
    expect(await b.engine.getItem(ids.login)).toEqual(before);
    expect(await b.engine.revealField(ids.login, 'password')).toBe('hunter2-very-secret');
  });

  it('unlock, item create and reveal produce signed audit records that upload, and the server-stored chain verifies', async () => {
    const { t, a, ids } = await twoDevices();
    a.engine.lock();
    await expectCode(a.engine.unlockWithPassword('wrong password'), 'wrong_password');
    await a.engine.unlockWithPassword(PASSWORD);
    const extra = await a.engine.createItem(loginDraft('Audited'));
    await a.engine.revealField(ids.login, 'password');
    const r = await a.vaultSync.sync();
    expect(r.auditUploaded).toBeGreaterThan(0);
    expect((await a.audit.pending(10)).records).toEqual([]);

    const items = (await db.asTenant(t.orgId, (sql) => exportRecords(sql, t.orgId))).filter((x) => x.device === a.dev.deviceId);
    // Records and the device's seals over them (format v3), as the server exports them.
    expect(items.some((x) => 'type' in x)).toBe(true);
    const result = verifyChain(items, { publicKeyFor: (id) => (id === a.dev.deviceId ? a.dev.signer.publicKey : undefined) });
    expect(result.ok).toBe(true);
    const stored = items.filter((x): x is AuditRecord => !('type' in x));
    const actions = stored.map((x) => x.action);
    expect(actions).toEqual(expect.arrayContaining(['vault.create', 'item.create', 'vault.lock', 'vault.unlock', 'item.reveal']));
    expect(stored.some((x) => x.action === 'vault.unlock' && x.outcome === 'failure')).toBe(true);
    expect(stored.some((x) => x.action === 'item.create' && x.target?.itemId === extra.id)).toBe(true);
    // No secret in any audit record.
    expect(JSON.stringify(stored)).not.toContain('hunter2-very-secret');
    // A record altered on the server no longer verifies.
    const forged = items.map((x) => (x === stored[stored.length - 1] ? { ...x, outcome: 'failure' } : x));
    expect(verifyChain(forged, { publicKeyFor: () => a.dev.signer.publicKey }).ok).toBe(false);
  });
});
