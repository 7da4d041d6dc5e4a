/**
 * "Copy reference" (src/renderer/items/reference-for.ts fieldReferences, what ItemDetail
 * shows beside each field): every field of every kind gets a reference, and each one,
 * resolved by the real engine ('references.resolve' logic), names exactly that item and
 * field — also when a custom field's name clashes with a fixed field, another custom
 * field or the `custom:` form, and when the title is shared or shaped like an id.
 */
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseReference } from '../../../src/core/references';
import { fieldReferences, type ReferenceParts } from '../../../src/renderer/items/reference-for';
import type { ItemDraft } from '../../../src/shared/items';
import { PASSWORD, apiDraft, loginDraft, makeHarness, noteDraft, sshDraft, type Harness } from '../core/helpers';

let h: Harness;
let vaultId: string;

beforeAll(async () => {
  h = makeHarness();
  await h.engine.createVault(PASSWORD);
  vaultId = (await h.engine.status()).vaultId!;
});

async function partsFor(id: string): Promise<{ item: Awaited<ReturnType<Harness['engine']['getItem']>>; parts: ReferenceParts }> {
  const item = await h.engine.getItem(id);
  // As ItemDetail decides it: the title names the item alone among every item.
  const sameTitle = h.engine.listItems().filter((x) => x.overview.title === item.overview.title).length;
  return { item, parts: { vaultId, itemId: id, title: item.overview.title, titleIsUnique: sameTitle === 1 } };
}

async function expectEachResolvesToItself(id: string, expected: string[]): Promise<Record<string, string>> {
  const { item, parts } = await partsFor(id);
  const refs = fieldReferences(item, parts);
  expect(Object.keys(refs).sort()).toEqual([...expected].sort());
  for (const [field, ref] of Object.entries(refs)) {
    const r = await h.engine.resolveReference(parseReference(ref));
    expect({ itemId: r.itemId, field: r.field }).toEqual({ itemId: id, field });
  }
  return refs;
}

describe('every field of every kind', () => {
  it('login: username, password, totp, notes, each custom field (concealed or not)', async () => {
    const id = (await h.engine.createItem(loginDraft('Mail'))).id;
    const refs = await expectEachResolvesToItself(id, ['username', 'password', 'totp', 'notes', 'custom:pin', 'custom:hint']);
    expect(refs.password).toBe(`latchkey://${vaultId}/Mail/password`);
    expect(refs['custom:pin']).toBe(`latchkey://${vaultId}/Mail/PIN`);
  });

  it('API credential, SSH key, secure note', async () => {
    await expectEachResolvesToItself((await h.engine.createItem(apiDraft('Build bot'))).id, ['secret', 'custom:org']);
    await expectEachResolvesToItself((await h.engine.createItem(sshDraft())).id, ['privateKey', 'publicKey', 'passphrase']);
    const note = await expectEachResolvesToItself((await h.engine.createItem(noteDraft())).id, ['text']);
    expect(note.text).toBe(`latchkey://${vaultId}/Safe%20combination/text`);
  });
});

describe('names that could mean something else', () => {
  it('custom fields named like a fixed field, like another custom field, or like custom:<id> go by their id', async () => {
    const d = loginDraft('Tricky');
    const draft: ItemDraft = {
      overview: d.overview,
      details: {
        ...d.details,
        customFields: [
          { id: 'a', name: 'password', concealed: true, value: 'not the password' },
          { id: 'b', name: 'Token', concealed: true, value: 'one' },
          { id: 'c', name: 'token', concealed: false, value: 'two' },
          { id: 'd', name: 'custom:a', concealed: false, value: 'three' },
          { id: 'e', name: 'Region', concealed: false, value: 'eu' },
        ],
      },
    };
    const id = (await h.engine.createItem(draft)).id;
    const refs = await expectEachResolvesToItself(id, ['username', 'password', 'totp', 'notes', 'custom:a', 'custom:b', 'custom:c', 'custom:d', 'custom:e']);
    expect(refs['custom:a']).toMatch(/\/custom%3Aa$/);
    expect(refs['custom:e']).toMatch(/\/Region$/);
  });

  it('a title shared with another item, or shaped like an item id, is written as the id', async () => {
    const one = (await h.engine.createItem(loginDraft('Twin'))).id;
    const two = (await h.engine.createItem(loginDraft('Twin'))).id;
    for (const id of [one, two])
      expect((await expectEachResolvesToItself(id, ['username', 'password', 'totp', 'notes', 'custom:pin', 'custom:hint'])).password).toContain(`/${id}/`);
    const idShaped = (await h.engine.createItem(loginDraft(two.split('').reverse().join('')))).id;
    expect((await expectEachResolvesToItself(idShaped, ['username', 'password', 'totp', 'notes', 'custom:pin', 'custom:hint'])).password).toContain(`/${idShaped}/`);
  });
});
