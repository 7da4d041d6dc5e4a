/**
 * The body-swap rule (`swapInBody`, docs/vault-format.md item overview): the editor's
 * checkbox sends it for an API credential (absent when unticked) and keeps it on edit;
 * the item schema refuses it on any other kind and anything but a boolean.
 */
import { describe, expect, it } from 'vitest';
import { draftFromForm, emptyForm, formFromItem, updateFromForm } from '../../../src/renderer/items/form-model';
import { itemOverviewSchema, type ItemView } from '../../../src/shared/items';

describe('swapInBody', () => {
  it('ticked: the API credential carries swapInBody: true and keeps it on edit; unticked: no field', () => {
    const f = emptyForm('api_credential');
    f.title = 'Webhook';
    f.secret = { mode: 'set', value: 'whsec-0123456789abcdef' };
    f.allowedOrigins = 'POST https://hooks.example/*';
    const plain = draftFromForm(f);
    expect(plain.ok && !('swapInBody' in plain.value.overview)).toBe(true);
    f.swapInBody = true;
    const set = draftFromForm(f);
    expect(set.ok && set.value.overview.swapInBody === true).toBe(true);
    if (!set.ok) return;
    const item = {
      id: 'AAAAAAAAAAAAAAAAAAAAAA',
      version: 1,
      createdAt: 1,
      updatedAt: 1,
      overview: set.value.overview,
      details: { kind: 'api_credential', secret: null, customFields: [] },
    } as ItemView;
    const again = formFromItem(item);
    expect(again.swapInBody).toBe(true);
    const kept = updateFromForm(again, item.id, item.version);
    expect(kept.ok && kept.value.overview.swapInBody === true).toBe(true);
  });

  it('the schema refuses it on a login and as a non-boolean', () => {
    expect(itemOverviewSchema.safeParse({ kind: 'login', title: 'x', urls: [], tags: [], swapInBody: true }).success).toBe(false);
    expect(
      itemOverviewSchema.safeParse({ kind: 'api_credential', title: 'x', urls: [], tags: [], injection: { type: 'bearer' }, allowedOrigins: [], swapInBody: 'yes' }).success,
    ).toBe(false);
    expect(
      itemOverviewSchema.safeParse({ kind: 'api_credential', title: 'x', urls: [], tags: [], injection: { type: 'bearer' }, allowedOrigins: [], swapInBody: true }).success,
    ).toBe(true);
  });
});
