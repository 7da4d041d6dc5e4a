/**
 * Two REAL engines, each enrolled with its own device key, sync through a REAL org
 * server (PGlite): an item trashed on device A is trashed on B (out of B's list and
 * B's agents' reach), its restore comes back to B, an edit's history arrives with the
 * item and can be revealed and restored on B, and a delete forever removes it on B.
 * The server only ever holds ciphertext: neither the current nor an earlier secret.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/server/db/db';
import type { RunningServer } from '../../../src/server/server';
import type { ItemView } from '../../../src/shared/items';
import { PASSWORD, apiDraft, expectCode, loginDraft } from '../core/helpers';
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

async function twoDevices() {
  const t = await newTenant(db);
  const a = await vaultDevice(server, t.orgId, t.userId);
  open.push(a);
  await a.engine.createVault(PASSWORD);
  const login = await a.engine.createItem(loginDraft('Mail'));
  const api = await a.engine.createItem(apiDraft('Deploy API'));
  await a.vaultSync.sync();
  const b = await vaultDevice(server, t.orgId, t.userId);
  open.push(b);
  await b.vaultSync.sync();
  await b.engine.unlockWithPassword(PASSWORD);
  return { t, a, b, ids: { login: login.id, api: api.id } };
}

async function serverText(orgId: string): Promise<string> {
  const rows = await db.asOwner((sql) => sql.query<{ ciphertext: string }>('SELECT ciphertext FROM sync_records WHERE org_id = $1', [orgId]));
  return rows.map((r) => Buffer.from(r.ciphertext, 'base64url').toString('utf8')).join('\n');
}

describe('trash and history across devices', () => {
  it('a trash, a restore and a delete forever on A are seen on B after sync', async () => {
    const { a, b, ids } = await twoDevices();
    await a.engine.trashItem(ids.api);
    await a.vaultSync.sync();
    await b.vaultSync.sync();
    expect(b.engine.listItems().map((i) => i.id)).toEqual([ids.login]);
    expect(b.engine.listTrash().map((i) => i.id)).toEqual([ids.api]);
    expect(b.engine.listCredentials()).toEqual([]);
    await expectCode(b.engine.useCredential(ids.api), 'not_found');

    await a.engine.restoreItem(ids.api);
    await a.vaultSync.sync();
    await b.vaultSync.sync();
    expect(b.engine.listTrash()).toEqual([]);
    expect((await b.engine.useCredential(ids.api)).secret).toBe('ghp_supersecrettokenvalue');

    // Trashed on B this time, deleted forever on A after it learnt of it.
    await b.engine.trashItem(ids.api);
    await b.vaultSync.sync();
    await a.vaultSync.sync();
    expect(a.engine.listTrash().map((i) => i.id)).toEqual([ids.api]);
    await a.engine.deleteItemForever(ids.api);
    await a.vaultSync.sync();
    await b.vaultSync.sync();
    expect(b.engine.listTrash()).toEqual([]);
    await expectCode(b.engine.getItem(ids.api), 'not_found');
  }, 120_000);

  it('an edit on A arrives on B with its history, which B can reveal and restore; the server holds neither secret', async () => {
    const { t, a, b, ids } = await twoDevices();
    const v = await a.engine.getItem(ids.login);
    await a.engine.updateItem({ id: ids.login, baseVersion: v.version, overview: v.overview, details: { ...v.details, password: 'rotated-on-A' } as ItemView['details'] });
    await a.vaultSync.sync();
    await b.vaultSync.sync();
    const onB = await b.engine.getItem(ids.login);
    expect(onB.history?.map((x) => x.version)).toEqual([v.version]);
    expect(await b.engine.revealField(ids.login, 'password')).toBe('rotated-on-A');
    expect(await b.engine.revealPreviousValue(ids.login, v.version, 'password')).toBe('hunter2-very-secret');

    await b.engine.restorePreviousVersion(ids.login, onB.version, v.version);
    await b.vaultSync.sync();
    await a.vaultSync.sync();
    expect(await a.engine.revealField(ids.login, 'password')).toBe('hunter2-very-secret');
    expect((await a.engine.getItem(ids.login)).history?.map((x) => x.version)).toEqual([onB.version, v.version]);

    const everything = await serverText(t.orgId);
    for (const secret of ['hunter2-very-secret', 'rotated-on-A', 'trashedAt', 'history']) expect(everything).not.toContain(secret);
  }, 120_000);

  it("A trashes an item while B edits it offline: after sync both devices hold it trashed, with B's edit and its history", async () => {
    const { a, b, ids } = await twoDevices();
    await a.engine.trashItem(ids.login);
    const v = await b.engine.getItem(ids.login);
    await b.engine.updateItem({
      id: ids.login,
      baseVersion: v.version,
      overview: { ...v.overview, title: 'Mail (edited on B)' },
      details: { ...v.details, password: 'edited-on-B' } as ItemView['details'],
    });
    await a.vaultSync.sync();
    await b.vaultSync.sync();
    await a.vaultSync.sync();
    for (const d of [a, b]) {
      expect(d.engine.listItems().map((i) => i.id)).toEqual([ids.api]);
      const [t] = d.engine.listTrash();
      expect(t?.id).toBe(ids.login);
      expect(t?.overview.title).toBe('Mail (edited on B)');
      expect(await d.engine.revealField(ids.login, 'password')).toBe('edited-on-B');
      expect(await d.engine.revealPreviousValue(ids.login, v.version, 'password')).toBe('hunter2-very-secret');
    }
  }, 120_000);
});
