/**
 * Import and export through the real engine behind its RPC contract (Node
 * MessageChannel): the preview writes nothing and carries no secret, commit writes the
 * chosen entries at once, a lock drops the preview, and an encrypted export opens in
 * another vault with every item as it was. Policy's "no export" stops both exports.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { PLAINTEXT_EXPORT_CONFIRMATION } from '../../../src/core/export/service';
import type { EngineDeps } from '../../../src/core/engine';
import { PASSWORD, apiDraft, engineUiOverChannel, expectCode, loginDraft, makeHarness } from '../core/helpers';
import { managed } from '../policy/helpers';
import { fixture } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function wire(extra?: Partial<EngineDeps>) {
  const h = makeHarness(extra ? { extra } : {});
  const { ui, close } = engineUiOverChannel(h.engine, { timeoutMs: 60_000 });
  cleanups.push(close);
  return { h, ui };
}

async function everything(ui: ReturnType<typeof wire>['ui']) {
  const { items } = await ui.call('items.list', {});
  const out = [];
  for (const it of items) {
    const view = (await ui.call('item.get', { id: it.id })).item;
    const details: Record<string, unknown> = { ...view.details };
    for (const [k, v] of Object.entries(details)) if (v === null) details[k] = (await ui.call('item.reveal', { id: it.id, field: k, purpose: 'reveal' })).value;
    details.customFields = await Promise.all(
      view.details.customFields.map(async (f) =>
        f.value === null ? { ...f, value: (await ui.call('item.reveal', { id: it.id, field: `custom:${f.id}`, purpose: 'reveal' })).value } : f,
      ),
    );
    out.push({ overview: it.overview, details });
  }
  return out.sort((a, b) => a.overview.title.localeCompare(b.overview.title));
}

describe('import over the engine RPC', () => {
  test('preview writes nothing and shows no secret; commit writes the chosen entries; the API offer is taken when asked', async () => {
    const { h, ui } = wire();
    await ui.call('vault.create', { password: PASSWORD });
    const preview = await ui.call('import.preview', { format: 'bitwarden_json', fileName: 'bitwarden.json', file: fixture('bitwarden.json') });
    expect((await ui.call('items.list', {})).items).toHaveLength(0);
    const shown = JSON.stringify(preview);
    for (const secret of ['hunter2', 'abcd-efgh', '4111111111111111', 'sk-proj-', 'OPENSSH PRIVATE', '4711']) expect(shown).not.toContain(secret);
    expect(preview.report.counts).toMatchObject({ login: 2, card: 1, identity: 1 });
    const openai = preview.entries.find((e) => e.title === 'OpenAI')!;
    expect(openai.apiSuggestion).toMatchObject({ injection: { type: 'bearer' }, allowedOrigins: ['https://api.openai.com'] });
    const door = preview.entries.find((e) => e.title === 'Door code')!;

    const { created } = await ui.call('import.commit', { previewId: preview.previewId, asApiCredential: [openai.index], exclude: [door.index] });
    expect(created).toBe(preview.entries.length - 1);
    const list = (await ui.call('items.list', {})).items;
    expect(list.map((i) => i.overview.title).sort()).toEqual(['Deploy key', 'GitHub', 'Me', 'OpenAI', 'Visa']);
    expect(list.find((i) => i.overview.title === 'OpenAI')!.overview.kind).toBe('api_credential');
    const gh = list.find((i) => i.overview.title === 'GitHub')!;
    expect((await ui.call('item.reveal', { id: gh.id, field: 'password', purpose: 'reveal' })).value).toBe('hunter2');
    expect(h.audit.filter((e) => e.action === 'vault.import')).toHaveLength(1);
    // A preview is used once.
    await expectCode(ui.call('import.commit', { previewId: preview.previewId }), 'not_found');
  });

  test('locking drops the preview: nothing can be committed from it', async () => {
    const { ui } = wire();
    const { recoveryCode } = await ui.call('vault.create', { password: PASSWORD });
    const preview = await ui.call('import.preview', { format: 'chrome_csv', fileName: 'chrome.csv', file: fixture('chrome.csv') });
    await ui.call('vault.lock', {});
    await expectCode(ui.call('import.preview', { format: 'chrome_csv', fileName: 'chrome.csv', file: fixture('chrome.csv') }), 'vault_locked');
    await ui.call('vault.unlockWithRecoveryCode', { recoveryCode });
    await expectCode(ui.call('import.commit', { previewId: preview.previewId }), 'not_found');
    expect((await ui.call('items.list', {})).items).toHaveLength(0);
  });

  test('a malformed file is a typed error naming the file and leaves the vault as it was', async () => {
    const { ui } = wire();
    await ui.call('vault.create', { password: PASSWORD });
    await ui.call('item.create', { item: loginDraft() });
    const bad = new TextEncoder().encode('{"items": [{"type": 1, "name": "ok"}, {"type": "x", "name": "broken"}]}');
    const err = await expectCode(ui.call('import.preview', { format: 'bitwarden_json', fileName: 'broken.json', file: bad }), 'invalid_input');
    expect(err).toMatchObject({ file: 'broken.json', entry: 'entry 2 "broken"' });
    expect((await ui.call('items.list', {})).items).toHaveLength(1);
  });
});

describe('export', () => {
  test('an encrypted export opens in another vault with every item exactly as it was', async () => {
    const a = wire();
    await a.ui.call('vault.create', { password: PASSWORD });
    await a.ui.call('item.create', { item: loginDraft('Login one') });
    await a.ui.call('item.create', { item: apiDraft() });
    await a.ui.call('item.create', {
      item: {
        overview: { kind: 'ssh_key', title: 'SSH', urls: [], tags: ['infra'] },
        details: { kind: 'ssh_key', privateKey: 'PRIV', publicKey: 'ssh-ed25519 AAA', passphrase: 'pp', customFields: [] },
      },
    });
    await a.ui.call('item.create', {
      item: {
        overview: { kind: 'secure_note', title: 'Note ✓ ünïcode', urls: [], tags: [] },
        details: { kind: 'secure_note', text: 'line 1\nline 2', notes: 'n', customFields: [] },
      },
    });
    const file = await a.ui.call('export.encrypted', { passphrase: 'export passphrase' });
    expect(file.fileName).toMatch(/\.lkexport$/);
    expect(new TextDecoder().decode(file.bytes.subarray(0, 4))).toBe('LKEX');
    expect(Buffer.from(file.bytes).includes(Buffer.from('hunter2-very-secret'))).toBe(false);
    expect(a.h.audit).toContainEqual(expect.objectContaining({ action: 'vault.export', outcome: 'success' }));

    const b = wire();
    await b.ui.call('vault.create', { password: PASSWORD });
    await expectCode(b.ui.call('import.preview', { format: 'latchkey_export', fileName: file.fileName, file: file.bytes, password: 'wrong passphrase' }), 'wrong_password');
    const p = await b.ui.call('import.preview', { format: 'latchkey_export', fileName: file.fileName, file: file.bytes, password: 'export passphrase' });
    expect(p.entries.every((e) => !e.apiSuggestion)).toBe(true);
    await b.ui.call('import.commit', { previewId: p.previewId });
    expect(await everything(b.ui)).toEqual(await everything(a.ui));
  });

  test('a flipped byte anywhere in the export, header included, is refused', async () => {
    const a = wire();
    await a.ui.call('vault.create', { password: PASSWORD });
    await a.ui.call('item.create', { item: loginDraft() });
    const { bytes } = await a.ui.call('export.encrypted', { passphrase: 'export passphrase' });
    for (const at of [16, 40, 54, 60, bytes.length - 1]) {
      const t = bytes.slice();
      t[at]! ^= 1;
      await expectCode(a.ui.call('import.preview', { format: 'latchkey_export', fileName: 'x.lkexport', file: t, password: 'export passphrase' }), 'wrong_password');
    }
  });

  test('plaintext needs the confirmation sentence; its JSON imports back the same items', async () => {
    const a = wire();
    await a.ui.call('vault.create', { password: PASSWORD });
    await a.ui.call('item.create', { item: loginDraft() });
    await expectCode(a.ui.call('export.plaintext', { format: 'json', confirmation: 'yes' }), 'invalid_input');
    const json = await a.ui.call('export.plaintext', { format: 'json', confirmation: PLAINTEXT_EXPORT_CONFIRMATION });
    const csv = await a.ui.call('export.plaintext', { format: 'csv', confirmation: PLAINTEXT_EXPORT_CONFIRMATION });
    expect(new TextDecoder().decode(csv.bytes)).toContain('hunter2-very-secret');
    // The CSV is Bitwarden's columns: it imports with the Bitwarden CSV reader.
    const back = await a.ui.call('import.preview', { format: 'bitwarden_csv', fileName: csv.fileName, file: csv.bytes });
    expect(back.entries.map((e) => e.title)).toEqual(['Example login']);
    const b = wire();
    await b.ui.call('vault.create', { password: PASSWORD });
    const p = await b.ui.call('import.preview', { format: 'latchkey_export', fileName: json.fileName, file: json.bytes });
    await b.ui.call('import.commit', { previewId: p.previewId });
    expect(await everything(b.ui)).toEqual(await everything(a.ui));
  });

  test('policy that forbids export refuses both kinds, decrypts nothing, and records the refusal', async () => {
    const { h, ui } = wire({ policy: () => managed({ export: { allowed: false } }) });
    await ui.call('vault.create', { password: PASSWORD });
    await ui.call('item.create', { item: loginDraft() });
    await expectCode(ui.call('export.encrypted', { passphrase: 'export passphrase' }), 'policy_forbidden');
    await expectCode(ui.call('export.plaintext', { format: 'csv', confirmation: PLAINTEXT_EXPORT_CONFIRMATION }), 'policy_forbidden');
    expect(h.audit.filter((e) => e.action === 'vault.export').map((e) => e.outcome)).toEqual(['denied', 'denied']);
  });
});
