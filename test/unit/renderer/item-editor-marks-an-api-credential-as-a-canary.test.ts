/**
 * The item editor's canary checkbox: a new API credential marked canary is sent with
 * `canary: true` in its overview (an unmarked one without the field, as before), and
 * editing a stored canary keeps the mark unless the person clears it.
 */
import { describe, expect, it } from 'vitest';
import { draftFromForm, emptyForm, formFromItem, updateFromForm } from '../../../src/renderer/items/form-model';
import type { ItemView } from '../../../src/shared/items';

describe('canary checkbox', () => {
  it('a new API credential marked canary carries canary: true; an unmarked one no field', () => {
    const f = emptyForm('api_credential');
    f.title = 'AWS root';
    f.secret = { mode: 'set', value: 'bait-value-0123456789' };
    f.allowedOrigins = 'https://aws.example';
    const plain = draftFromForm(f);
    expect(plain.ok && !('canary' in plain.value.overview)).toBe(true);
    f.canary = true;
    const marked = draftFromForm(f);
    expect(marked.ok).toBe(true);
    if (!marked.ok) return;
    expect(marked.value.overview.canary).toBe(true);
  });

  it('editing a stored canary keeps the mark; clearing it sends an ordinary credential', () => {
    const item = {
      id: 'AAAAAAAAAAAAAAAAAAAAAA',
      version: 3,
      createdAt: 1,
      updatedAt: 2,
      overview: {
        kind: 'api_credential',
        title: 'AWS root',
        urls: [],
        tags: [],
        description: '',
        injection: { type: 'bearer' },
        allowedOrigins: ['https://aws.example'],
        canary: true,
      },
      details: { kind: 'api_credential', secret: null, customFields: [] },
    } as unknown as ItemView;
    const f = formFromItem(item);
    expect(f.canary).toBe(true);
    const kept = updateFromForm(f, item.id, item.version);
    expect(kept.ok && kept.value.overview.canary === true).toBe(true);
    f.canary = false;
    const cleared = updateFromForm(f, item.id, item.version);
    expect(cleared.ok && cleared.value.overview.canary === undefined).toBe(true);
  });
});
