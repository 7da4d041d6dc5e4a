/**
 * Promise: tampering is evident — a server that forks a person's vault is caught.
 *
 * The exact attack from issue 9, through the real composition: two REAL engines (each
 * with its own IndexedDB vault, sync outbox/state and audit log, enrolled with its own
 * Ed25519 key) and a REAL org server (src/server on PGlite, over HTTP). The server
 * misbehaves for real: between requests its database is edited with SQL, as an
 * operator with database access (or an attacker holding it) would do. No doubles.
 *
 * 1. The server deletes device A's new record and restores the older manifest device
 *    B had verified. B must refuse ('fork_detected', not "ok") and must not sign a
 *    manifest without the record; A's next sync must name its acknowledged record.
 * 2. A manifest at the same sequence with other content (signed by B's real key) is
 *    refused by A as a fork.
 * 3. The server also rewinds its head so B sees nothing wrong: B still signs nothing
 *    without the record, and A catches it.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signManifest } from '../../src/core/sync';
import { manifestHash } from '../../src/core/sync/manifest';
import { itemSyncId } from '../../src/core/vault-sync';
import type { Database } from '../../src/server/db/db';
import type { RunningServer } from '../../src/server/server';
import { LatchkeyError } from '../../src/shared/errors';
import { PASSWORD, loginDraft } from '../unit/core/helpers';
import { newTenant, openTestDatabase, startTestServer } from '../unit/server/helpers';
import { vaultDevice, type VaultDevice } from '../unit/vault-sync/devices';

let db: Database;
let server: RunningServer;
const open: VaultDevice[] = [];
beforeAll(async () => {
  db = (await openTestDatabase('pglite')).db;
  server = await startTestServer(db);
});
afterAll(async () => {
  for (const d of open) d.close();
  await server?.close();
  await db?.close();
});

interface StoredManifest {
  seq: number;
  hash: string;
  body: string;
}

const owner = <T>(orgId: string, f: (q: (text: string, params?: unknown[]) => Promise<T[]>) => Promise<unknown>) =>
  db.asOwner((sql) => f((text, params) => sql.query<T>(text, params)), orgId);

async function storedManifest(orgId: string): Promise<StoredManifest> {
  const rows = await db.asOwner((sql) => sql.query<StoredManifest>('SELECT seq, hash, body FROM sync_manifests WHERE org_id = $1', [orgId]), orgId);
  return { ...rows[0]!, seq: Number(rows[0]!.seq) };
}

async function head(orgId: string): Promise<number> {
  const rows = await db.asOwner((sql) => sql.query<{ head_seq: number }>('SELECT head_seq FROM sync_heads WHERE org_id = $1', [orgId]), orgId);
  return Number(rows[0]!.head_seq);
}

/** The misbehaving server: drop one record and put an older manifest (and its chain) back. */
async function dropRecordAndRestoreManifest(orgId: string, recordId: string, old: StoredManifest, opts: { rewindHeadTo?: number } = {}): Promise<void> {
  await owner(orgId, async (q) => {
    await q('DELETE FROM sync_records WHERE org_id = $1 AND record_id = $2', [orgId, recordId]);
    await q('UPDATE sync_manifests SET seq = $2, hash = $3, body = $4 WHERE org_id = $1', [orgId, old.seq, old.hash, old.body]);
    await q('DELETE FROM sync_manifest_links WHERE org_id = $1 AND seq > $2', [orgId, old.seq]);
    if (opts.rewindHeadTo !== undefined) await q('UPDATE sync_heads SET head_seq = $2 WHERE org_id = $1', [orgId, opts.rewindHeadTo]);
  });
}

async function refusal(p: Promise<unknown>): Promise<LatchkeyError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LatchkeyError);
  return err as LatchkeyError;
}

/** A has a vault with one item, synced and signed; B pulled it, unlocked, and verified A's manifest. */
async function twoDevices() {
  const t = await newTenant(db);
  const a = await vaultDevice(server, t.orgId, t.userId);
  open.push(a);
  await a.engine.createVault(PASSWORD);
  await a.engine.createItem(loginDraft('Mail'));
  expect((await a.vaultSync.sync()).manifestSigned).toBe(true);
  const b = await vaultDevice(server, t.orgId, t.userId);
  open.push(b);
  await b.vaultSync.sync();
  await b.engine.unlockWithPassword(PASSWORD);
  await b.vaultSync.sync();
  const verifiedByB = await storedManifest(t.orgId);
  expect((await b.vaultSync.client.sync()).headSeq).toBe(verifiedByB.seq);
  return { t, a, b, verifiedByB };
}

describe('a server that forks the vault is caught by both devices', () => {
  it("drops A's new record and restores the manifest B verified: B refuses and signs nothing, A names the record", async () => {
    const { t, a, b, verifiedByB } = await twoDevices();
    const deploy = await a.engine.createItem(loginDraft('Deploy key'));
    const ra = await a.vaultSync.sync();
    expect(ra.pushed).toBeGreaterThan(0);
    expect(ra.manifestSigned).toBe(true);
    const headAfterA = await head(t.orgId);
    expect(headAfterA).toBeGreaterThan(verifiedByB.seq);

    await dropRecordAndRestoreManifest(t.orgId, itemSyncId(deploy.id), verifiedByB);

    const eb = await refusal(b.vaultSync.sync());
    expect(eb.code).toBe('fork_detected');
    expect(eb.message).toMatch(/change \d+ as its latest, but the record that change wrote is missing/);
    expect(eb.message).toMatch(/tell your administrator/);
    // B signed nothing: the manifest on the server is still the restored one, at the old seq.
    expect(await storedManifest(t.orgId)).toEqual(verifiedByB);
    // Asking B to sign explicitly changes nothing either: every sync is refused.
    expect((await refusal(b.vaultSync.sync({ signManifest: true }))).code).toBe('fork_detected');
    expect(await storedManifest(t.orgId)).toEqual(verifiedByB);

    const ea = await refusal(a.vaultSync.sync());
    expect(ea.code).toBe('fork_detected');
    expect(ea.details).toMatchObject({ recordId: itemSyncId(deploy.id) });
    expect(ea.message).toContain(itemSyncId(deploy.id));
    expect(ea.message).toMatch(/pushed and the server acknowledged are gone/);
    // Nothing local changed on A: the item is still there.
    expect(
      a.engine
        .listItems()
        .map((i) => i.overview.title)
        .sort(),
    ).toEqual(['Deploy key', 'Mail']);
  });

  it('a manifest at the same sequence with other content is a fork, even when validly signed by a sibling device', async () => {
    const { t, a, b, verifiedByB } = await twoDevices();
    const deploy = await a.engine.createItem(loginDraft('Deploy key'));
    expect((await a.vaultSync.sync()).manifestSigned).toBe(true);
    const mine = await storedManifest(t.orgId);
    // B's real key signs "the vault at A's seq" without A's record, chained to what B verified.
    const prior = JSON.parse(verifiedByB.body) as { manifest: { entries: [string, number][] } };
    const forged = await signManifest(
      { orgId: t.orgId, userId: t.userId, deviceId: b.dev.deviceId, seq: mine.seq, time: Date.now(), prev: verifiedByB.hash, entries: prior.manifest.entries },
      b.dev.signer,
    );
    await owner(t.orgId, async (q) => {
      await q('DELETE FROM sync_records WHERE org_id = $1 AND record_id = $2', [t.orgId, itemSyncId(deploy.id)]);
      await q('UPDATE sync_manifests SET hash = $2, body = $3 WHERE org_id = $1', [t.orgId, manifestHash(forged.manifest), JSON.stringify(forged)]);
    });
    const ea = await refusal(a.vaultSync.sync());
    expect(ea.code).toBe('fork_detected');
    expect(ea.message).toMatch(new RegExp(`manifest at change ${mine.seq} is not the one this device verified`));
  });

  it('a server that also rewinds its head hides the record from B, but B signs nothing without it and A catches it', async () => {
    const { t, a, b, verifiedByB } = await twoDevices();
    const deploy = await a.engine.createItem(loginDraft('Deploy key'));
    await a.vaultSync.sync();
    await dropRecordAndRestoreManifest(t.orgId, itemSyncId(deploy.id), verifiedByB, { rewindHeadTo: verifiedByB.seq });

    // B's view is exactly what it verified: nothing to detect, and nothing to sign.
    const rb = await b.vaultSync.sync({ signManifest: true });
    expect(rb.manifestSigned).toBe(false);
    expect(await storedManifest(t.orgId)).toEqual(verifiedByB);

    const ea = await refusal(a.vaultSync.sync());
    expect(ea.code).toBe('rollback_detected');
    expect(ea.message).toMatch(/fewer than/);
    expect(a.engine.listItems().map((i) => i.overview.title)).toContain('Deploy key');
  });
});
