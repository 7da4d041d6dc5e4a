/**
 * Issue 15: the item list asks for the rows it shows. items.list with a limit answers
 * the first rows of the very list it answers without one (same order, same filter,
 * trash left out) and how many that list has, so a page can say "500 of 100,000".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { apiDraft, engineUiOverChannel, loginDraft, makeHarness, PASSWORD } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function wire() {
  const h = makeHarness();
  const { ui, close } = engineUiOverChannel(h.engine);
  cleanups.push(close);
  return { h, ui };
}

describe('items.list window', () => {
  it('answers the first rows of the whole list and its length, with and without a filter', async () => {
    const { h, ui } = wire();
    await ui.call('vault.create', { password: PASSWORD });
    await h.engine.importItems([...Array.from({ length: 9 }, (_, i) => loginDraft(`Login ${9 - i}`)), apiDraft('API b'), apiDraft('API a')]);
    const trashed = (await ui.call('items.list', {})).items.find((i) => i.overview.title === 'Login 5')!;
    await ui.call('item.delete', { id: trashed.id });

    const all = await ui.call('items.list', {});
    expect(all.total).toBe(10);
    expect(all.items).toHaveLength(10);
    const first = await ui.call('items.list', { limit: 4 });
    expect(first).toEqual({ items: all.items.slice(0, 4), total: 10 });
    expect(await ui.call('items.list', { limit: 50 })).toEqual(all);

    const apis = await ui.call('items.list', { kind: 'api_credential', limit: 1 });
    expect(apis.total).toBe(2);
    expect(apis.items.map((i) => i.overview.title)).toEqual(['API a']);
  });

  it('refuses a limit below one', async () => {
    const { ui } = wire();
    await ui.call('vault.create', { password: PASSWORD });
    await expect(ui.call('items.list', { limit: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
