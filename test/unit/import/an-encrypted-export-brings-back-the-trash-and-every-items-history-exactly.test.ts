/**
 * Export format 2 on the real engine (Dexie over fake-indexeddb, node argon2): an
 * encrypted export imported into a fresh vault brings back every item's earlier
 * secret values (revealable and restorable, versions unchanged) and the trash with its
 * original deletion times (so the 30-day purge still counts from them). Only that
 * path can carry a history or a trash mark: a tampered file, a plaintext file or any
 * other import cannot plant one. A format-1 file written by the code before format 2
 * (fixture) still imports.
 */
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/core/engine';
import { sealExport, type ExportedItem } from '../../../src/core/export/latchkey-export';
import { PLAINTEXT_EXPORT_CONFIRMATION } from '../../../src/core/export/service';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';
import { createWebCryptoRandom } from '../../../src/core/crypto/random.browser';
import { TRASH_DAYS, type FieldRef } from '../../../src/shared/items';
import { PASSWORD, TEST_KDF, apiDraft, expectCode, loginDraft, makeHarness, type Harness } from '../core/helpers';
import { fixture } from './helpers';

const DAY = 24 * 60 * 60 * 1000;
const PASSPHRASE = 'export passphrase';

/** Everything a person can see of a vault, every current and earlier value revealed. */
async function snapshot(engine: Engine) {
  const all = [...engine.listItems(), ...engine.listTrash()];
  const out = [];
  for (const s of all) {
    const view = await engine.getItem(s.id);
    const fields: FieldRef[] = [
      ...Object.entries(view.details)
        .filter(([, v]) => v === null)
        .map(([k]) => k),
      ...view.details.customFields.filter((f) => f.value === null).map((f) => `custom:${f.id}`),
    ];
    const current: Record<string, string> = {};
    for (const f of fields) current[f] = await engine.revealField(s.id, f, 'reveal');
    const earlier = [];
    for (const h of view.history ?? []) {
      const values: Record<string, string> = {};
      for (const f of h.fields) values[f.field] = await engine.revealPreviousValue(s.id, h.version, f.field);
      earlier.push({ ...h, values });
    }
    out.push({ overview: s.overview, details: view.details, current, earlier });
  }
  return out.sort((a, b) => a.overview.title.localeCompare(b.overview.title));
}

async function filledVault(): Promise<Harness> {
  const h = makeHarness();
  await h.engine.createVault(PASSWORD);
  await h.engine.updateSettings({ autoLockMinutes: 0 });
  // A login edited three times: two earlier versions of the password, one of the PIN.
  let login = await h.engine.createItem(loginDraft('Bank'));
  for (const [pw, pin] of [
    ['second password', '4321'],
    ['third password', '9999'],
  ] as const) {
    h.clock.t += 1000;
    const v = await h.engine.getItem(login.id);
    login = await h.engine.updateItem({
      id: login.id,
      baseVersion: v.version,
      overview: v.overview,
      details: { ...v.details, password: pw, customFields: v.details.customFields.map((f) => (f.id === 'pin' ? { ...f, value: pin } : f)) } as typeof v.details,
    });
  }
  // A note trashed 20 days ago, and an API credential edited once and trashed 10 days
  // ago: it keeps its history in the trash.
  const note = await h.engine.createItem({
    overview: { kind: 'secure_note', title: 'Old note', urls: [], tags: [] },
    details: { kind: 'secure_note', text: 'old', customFields: [] },
  });
  await h.engine.trashItem(note.id);
  h.clock.t += 10 * DAY;
  const api = await h.engine.createItem(apiDraft('Build API'));
  const av = await h.engine.getItem(api.id);
  await h.engine.updateItem({ id: api.id, baseVersion: av.version, overview: av.overview, details: { ...av.details, secret: 'sk-rotated-secret' } as typeof av.details });
  await h.engine.trashItem(api.id);
  h.clock.t += 10 * DAY;
  await h.engine.createItem(loginDraft('Untouched'));
  return h;
}

async function importInto(h: Harness, bytes: Uint8Array, password?: string) {
  const p = await h.engine.importPreview({ format: 'latchkey_export', fileName: 'vault.lkexport', bytes, password });
  await h.engine.importCommit({ previewId: p.previewId });
  return p;
}

describe('an encrypted export (format 2)', () => {
  it('imports into a fresh vault with every history and the trash exactly as they were', async () => {
    const a = await filledVault();
    const file = await a.engine.exportEncrypted(PASSPHRASE);
    expect(file.bytes[4]).toBe(2);
    for (const secret of ['second password', 'sk-rotated-secret', 'Old note']) expect(Buffer.from(file.bytes).includes(Buffer.from(secret))).toBe(false);

    const b = makeHarness();
    b.clock.t = a.clock.t;
    await b.engine.createVault(PASSWORD);
    const preview = await b.engine.importPreview({ format: 'latchkey_export', fileName: file.fileName, bytes: file.bytes, password: PASSPHRASE });
    // The preview says what comes back to the trash and how much history, and shows no value.
    expect(Object.fromEntries(preview.entries.map((e) => [e.title, [e.inTrash ?? false, e.previousVersions ?? 0]]))).toEqual({
      Bank: [false, 2],
      'Build API': [true, 1],
      'Old note': [true, 0],
      Untouched: [false, 0],
    });
    for (const secret of ['hunter2', 'second password', 'sk-']) expect(JSON.stringify(preview)).not.toContain(secret);
    await b.engine.importCommit({ previewId: preview.previewId });

    expect(await snapshot(b.engine)).toEqual(await snapshot(a.engine));
    expect(b.engine.listTrash().map((i) => [i.overview.title, i.overview.trashedAt])).toEqual(a.engine.listTrash().map((i) => [i.overview.title, i.overview.trashedAt]));
    expect(b.engine.listItems().map((i) => i.overview.title)).toEqual(['Bank', 'Untouched']);
    expect(b.audit.filter((e) => e.action === 'vault.import')).toHaveLength(1);

    // The history stays usable: an edit adds a version that does not collide with the
    // kept ones, and the oldest one can still be restored.
    const bank = b.engine.listItems().find((i) => i.overview.title === 'Bank')!;
    const v = await b.engine.getItem(bank.id);
    expect(v.version).toBeGreaterThan(v.history![0]!.version);
    const edited = await b.engine.updateItem({
      id: bank.id,
      baseVersion: v.version,
      overview: v.overview,
      details: { ...v.details, password: 'fourth password' } as typeof v.details,
    });
    const after = await b.engine.getItem(bank.id);
    expect(after.history!.map((x) => x.version)).toEqual([v.version, ...v.history!.map((x) => x.version)]);
    const oldest = v.history!.at(-1)!.version;
    await b.engine.restorePreviousVersion(bank.id, edited.version, oldest);
    expect(await b.engine.revealField(bank.id, 'password', 'reveal')).toBe('hunter2-very-secret');
    // A trashed item comes back from the trash with its history.
    const api = b.engine.listTrash().find((i) => i.overview.title === 'Build API')!;
    await b.engine.restoreItem(api.id);
    const apiView = await b.engine.getItem(api.id);
    expect(await b.engine.revealPreviousValue(api.id, apiView.history![0]!.version, 'secret')).toBe('ghp_supersecrettokenvalue');
  });

  it('keeps the original deletion time: the purge comes 30 days after it, not after the import', async () => {
    const a = await filledVault();
    const file = await a.engine.exportEncrypted(PASSPHRASE);
    const b = makeHarness();
    b.clock.t = a.clock.t;
    await b.engine.createVault(PASSWORD);
    await b.engine.updateSettings({ autoLockMinutes: 0 });
    await importInto(b, file.bytes, PASSPHRASE);
    const note = b.engine.listTrash().find((i) => i.overview.title === 'Old note')!;
    const settle = () => b.engine.updateSettings({ autoLockMinutes: 0 });
    b.engine.lock();
    b.clock.t = note.overview.trashedAt! + TRASH_DAYS * DAY - 1;
    await b.engine.unlockWithPassword(PASSWORD);
    await settle();
    expect(b.engine.listTrash().map((i) => i.overview.title)).toContain('Old note');
    b.engine.lock();
    b.clock.t += 1;
    await b.engine.unlockWithPassword(PASSWORD);
    await settle();
    expect(b.engine.listTrash().map((i) => i.overview.title)).toEqual(['Build API']);
  });

  it('refuses a tampered file, and a file sealed with a history the engine could not have written', async () => {
    const a = await filledVault();
    const { bytes } = await a.engine.exportEncrypted(PASSPHRASE);
    const b = makeHarness();
    await b.engine.createVault(PASSWORD);
    for (const at of [4, 20, 54, 100, bytes.length - 1]) {
      const t = bytes.slice();
      t[at]! ^= 1;
      const code = at === 4 ? 'invalid_input' : 'wrong_password';
      await expectCode(b.engine.importPreview({ format: 'latchkey_export', fileName: 'x.lkexport', bytes: t, password: PASSPHRASE }), code);
    }
    // Sealed properly but with a history out of order, or naming a field a note does not conceal.
    const seal = (items: ExportedItem[]) => sealExport(items, PASSPHRASE, { kdf: createNodeArgon2Kdf(), random: createWebCryptoRandom(), params: TEST_KDF, now: 1 });
    const base = { createdAt: 1, updatedAt: 1, overview: { kind: 'login', title: 'X', urls: [], tags: [] } } as const;
    const twoVersions = (v1: number, v2: number) => ({
      kind: 'login' as const,
      password: 'now',
      customFields: [],
      history: [
        { version: v1, at: 1, fields: [{ field: 'password', name: 'Password', value: 'a' }] },
        { version: v2, at: 1, fields: [{ field: 'password', name: 'Password', value: 'b' }] },
      ],
    });
    const crafted = [
      [{ ...base, details: twoVersions(2, 3) }],
      [{ ...base, details: twoVersions(3, 3) }],
      [{ ...base, details: { kind: 'login' as const, customFields: [], history: [{ version: 1, at: 1, fields: [{ field: 'secret', name: 'Secret', value: 'x' }] }] } }],
      [{ ...base, overview: { ...base.overview, trashedAt: -5 }, details: { kind: 'login' as const, customFields: [] } }],
      [{ ...base, overview: { ...base.overview, trashedAt: null }, details: { kind: 'login' as const, customFields: [] } }],
    ];
    for (const items of crafted)
      await expectCode(
        b.engine.importPreview({ format: 'latchkey_export', fileName: 'x.lkexport', bytes: await seal(items as unknown as ExportedItem[]), password: PASSPHRASE }),
        'invalid_input',
      );
    expect([...b.engine.listItems(), ...b.engine.listTrash()]).toEqual([]);
    // The same content in order opens.
    await importInto(b, await seal([{ ...base, details: twoVersions(3, 2) }] as unknown as ExportedItem[]), PASSPHRASE);
    expect((await b.engine.getItem(b.engine.listItems()[0]!.id)).history!.map((x) => x.version)).toEqual([3, 2]);
  });

  it('plaintext exports and other imports carry no trash and no history, and cannot plant one', async () => {
    const a = await filledVault();
    const json = await a.engine.exportPlaintext('json', PLAINTEXT_EXPORT_CONFIRMATION);
    const csv = await a.engine.exportPlaintext('csv', PLAINTEXT_EXPORT_CONFIRMATION);
    for (const f of [json, csv]) {
      const text = new TextDecoder().decode(f.bytes);
      for (const gone of ['second password', 'Old note', 'Build API', 'history', 'trashedAt']) expect(text).not.toContain(gone);
    }
    expect(JSON.parse(new TextDecoder().decode(json.bytes)).version).toBe(1);
    const b = makeHarness();
    await b.engine.createVault(PASSWORD);
    await importInto(b, json.bytes);
    expect(b.engine.listItems().map((i) => i.overview.title)).toEqual(['Bank', 'Untouched']);
    expect(b.engine.listTrash()).toEqual([]);
    for (const i of b.engine.listItems()) expect((await b.engine.getItem(i.id)).history).toEqual([]);

    // A hand-made unencrypted file claiming format 2, or a format-1 one with a history, is refused.
    const payload = JSON.parse(new TextDecoder().decode(json.bytes));
    const withHistory = structuredClone(payload);
    withHistory.items[0].details.history = [{ version: 1, at: 1, fields: [{ field: 'password', name: 'Password', value: 'planted' }] }];
    const trashed = structuredClone(payload);
    trashed.items[0].overview.trashedAt = 1;
    for (const forged of [{ ...withHistory, version: 2 }, withHistory, trashed])
      await expectCode(b.engine.importPreview({ format: 'latchkey_export', fileName: 'x.json', bytes: new TextEncoder().encode(JSON.stringify(forged)) }), 'invalid_input');
    // Repeated names are refused, not resolved to the last one.
    const dup = new TextDecoder().decode(json.bytes).replace('"version": 1,', '"version": 1, "version": 1,');
    await expectCode(b.engine.importPreview({ format: 'latchkey_export', fileName: 'x.json', bytes: new TextEncoder().encode(dup) }), 'invalid_input');
    // The engine's import path for other apps refuses a draft with a history.
    const d = loginDraft('Planted');
    await expectCode(
      b.engine.importItems([{ ...d, details: { ...d.details, history: [{ version: 1, at: 1, fields: [{ field: 'password', name: 'Password', value: 'planted' }] }] } } as never]),
      'invalid_input',
    );
    expect(b.engine.listItems().map((i) => i.overview.title)).toEqual(['Bank', 'Untouched']);
  });

  it('still imports a format-1 export written before the trash and history existed', async () => {
    const b = makeHarness();
    await b.engine.createVault(PASSWORD);
    const bytes = fixture('../export/format-1.lkexport');
    expect(bytes[4]).toBe(1);
    await expectCode(b.engine.importPreview({ format: 'latchkey_export', fileName: 'format-1.lkexport', bytes, password: 'wrong' }), 'wrong_password');
    const p = await importInto(b, bytes, 'format one passphrase');
    expect(p.entries.map((e) => [e.title, e.inTrash ?? false, e.previousVersions ?? 0])).toEqual([
      ['GitHub', false, 0],
      ['Wi-Fi', false, 0],
    ]);
    const gh = b.engine.listItems().find((i) => i.overview.title === 'GitHub')!;
    expect(gh.overview).toEqual({ kind: 'login', title: 'GitHub', username: 'octo', urls: ['https://github.com'], tags: ['work'] });
    expect(await b.engine.revealField(gh.id, 'password', 'reveal')).toBe('format-one-password');
    expect(await b.engine.revealField(gh.id, 'custom:pin', 'reveal')).toBe('2468');
    expect((await b.engine.getItem(gh.id)).history).toEqual([]);
    expect(b.engine.listTrash()).toEqual([]);
  });
});
