/**
 * The trash on a real engine (Dexie over fake-indexeddb, injected clock and timer):
 * a deleted item leaves listing, search and everything an agent reaches — through the
 * real gateway over EngineMainContract — but comes back whole (fields, tags, grant);
 * it can be deleted forever or with the whole trash; after 30 days it is purged, at
 * unlock and by the timer; every step is an audit record in the shared vocabulary.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TRASH_DAYS } from '../../../src/shared/items';
import { PASSWORD, apiDraft, expectCode, loginDraft, makeHarness } from './helpers';
import { startServer as startApi } from '../gateway/harness';
import { callTool, startGatewayOverEngine } from '../../promises/gateway-over-engine';

const DAY = 24 * 60 * 60 * 1000;
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('the trash', () => {
  it('keeps a deleted item out of list and search, and restores it with every field and tag', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const item = await h.engine.createItem(loginDraft('Bank login'));
    const before = await h.engine.getItem(item.id);
    const trashed = await h.engine.trashItem(item.id);
    expect(trashed.overview.trashedAt).toBe(h.clock.t);
    expect(h.engine.listItems()).toEqual([]);
    expect(h.engine.searchItems('bank')).toEqual([]);
    expect(h.engine.listTrash().map((i) => i.id)).toEqual([item.id]);
    // No edit while in the trash: it would bring a deleted item back to life unseen.
    await expectCode(h.engine.updateItem({ id: item.id, baseVersion: trashed.version, overview: before.overview, details: before.details }), 'conflict');
    // Trashed survives a relock (it is in the sealed record, not in memory).
    h.engine.lock();
    await h.engine.unlockWithPassword(PASSWORD);
    expect(h.engine.listItems()).toEqual([]);
    expect(h.engine.listTrash().map((i) => i.id)).toEqual([item.id]);

    const restored = await h.engine.restoreItem(item.id);
    expect(restored.overview.trashedAt).toBeUndefined();
    expect(restored.version).toBe(before.version + 2);
    const after = await h.engine.getItem(item.id);
    expect(after.overview).toEqual(before.overview);
    expect(after.details).toEqual(before.details);
    expect(await h.engine.revealField(item.id, 'password', 'reveal')).toBe('hunter2-very-secret');
    expect(await h.engine.revealField(item.id, 'custom:pin', 'reveal')).toBe('4321');
    expect(h.engine.searchItems('bank').map((i) => i.id)).toEqual([item.id]);
    expect(h.engine.listTrash()).toEqual([]);
    const events = h.audit.filter((e) => e.target?.itemId === item.id).map((e) => [e.action, e.reason ?? null]);
    expect(events).toEqual([
      ['item.create', null],
      ['item.delete', 'trashed'],
      ['item.update', 'restored'],
      ['item.reveal', null],
      ['item.reveal', null],
    ]);
  });

  it('deletes one item forever, or the whole trash, and refuses to do it to an item not in the trash', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const a = await h.engine.createItem(loginDraft('A'));
    const b = await h.engine.createItem(loginDraft('B'));
    const c = await h.engine.createItem(loginDraft('C'));
    await expectCode(h.engine.deleteItemForever(a.id), 'not_found');
    for (const x of [a, b, c]) await h.engine.trashItem(x.id);
    await h.engine.deleteItemForever(a.id);
    expect(
      h.engine
        .listTrash()
        .map((i) => i.id)
        .sort(),
    ).toEqual([b.id, c.id].sort());
    await expectCode(h.engine.getItem(a.id), 'not_found');
    expect(await h.engine.emptyTrash()).toBe(2);
    expect(h.engine.listTrash()).toEqual([]);
    expect(await h.store.readItemIds()).toEqual([]);
    expect(
      h.audit
        .filter((e) => e.action === 'item.delete' && e.reason === 'purged')
        .map((e) => e.target?.itemId)
        .sort(),
    ).toEqual([a.id, b.id, c.id].sort());
    // Nothing was left that the head does not vouch for.
    h.engine.lock();
    await h.engine.unlockWithPassword(PASSWORD);
    expect((await h.engine.status()).issues).toBeUndefined();
  });

  it(`purges what has been in the trash ${TRASH_DAYS} days, at unlock and by the timer, and nothing younger`, async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    await h.engine.updateSettings({ autoLockMinutes: 0 });
    const old = await h.engine.createItem(loginDraft('Old'));
    const young = await h.engine.createItem(loginDraft('Young'));
    await h.engine.trashItem(old.id);
    h.clock.t += 10 * DAY;
    await h.engine.trashItem(young.id);
    // The unlock starts the purge on the write chain without waiting for it (the scrub
    // matcher's build runs there first): the next write queues behind it.
    const settle = () => h.engine.updateSettings({ autoLockMinutes: 0 });
    h.engine.lock();
    h.clock.t += 20 * DAY - 1;
    await h.engine.unlockWithPassword(PASSWORD);
    await settle();
    expect(h.engine.listTrash()).toHaveLength(2); // one millisecond short of 30 days
    h.engine.lock();
    h.clock.t += 1;
    await h.engine.unlockWithPassword(PASSWORD);
    await settle();
    expect(h.engine.listTrash().map((i) => i.id)).toEqual([young.id]);
    expect(h.audit.find((e) => e.action === 'item.delete' && e.target?.itemId === old.id && e.reason === 'expired')?.actor).toEqual({ type: 'system' });
    // The second one goes while the vault stays open: the timer fires when it is due.
    // Each step lets the purge the timer started finish.
    for (let hours = 0; hours < 9 * 24; hours += 6) {
      h.timer.advance(6 * 60 * 60 * 1000);
      await settle();
    }
    expect(h.engine.listTrash().map((i) => i.id)).toEqual([young.id]);
    for (let hours = 9 * 24; hours < 10 * 24; hours += 6) {
      h.timer.advance(6 * 60 * 60 * 1000);
      await settle();
    }
    expect(h.engine.listTrash()).toEqual([]);
    expect(await h.store.readItemIds()).toEqual([]);
    expect(h.audit.some((e) => e.action === 'item.delete' && e.target?.itemId === young.id && e.reason === 'expired')).toBe(true);
  });

  it('a trashed credential is not listed to an agent, cannot be used by name, and works again with its grant after restore', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const api = await startApi((_req, res) => res.end('ok'));
    cleanups.push(() => api.close());
    const draft = apiDraft('Build API');
    const item = await h.engine.createItem({ overview: { ...draft.overview, allowedOrigins: [api.origin] }, details: draft.details });
    const main = await startGatewayOverEngine(h.engine);
    cleanups.push(() => main.close());
    const { id: agentId, client: agent } = await main.connectAgent('build-bot');
    await main.gateway.uiHandlers['grants.set']({ agentId, itemId: item.id, mode: 'always' }, {} as never);
    const list = async () => (await callTool(agent, 'list_credentials', {})).text;
    const use = () => callTool(agent, 'http_request', { credential: 'Build API', method: 'GET', url: `${api.origin}/v1` });
    expect(await list()).toContain('Build API');
    expect((await use()).isError).toBe(false);

    await h.engine.trashItem(item.id);
    expect(await list()).not.toContain('Build API');
    const refused = await use();
    expect(refused.isError).toBe(true);
    expect(refused.text).not.toContain('ghp_supersecrettokenvalue');
    await expectCode(h.engine.useCredential(item.id, agentId), 'not_found');
    expect(h.engine.listCredentials()).toEqual([]);
    expect(api.requests.length).toBe(1);

    await h.engine.restoreItem(item.id);
    expect(await list()).toContain('Build API');
    expect((await use()).isError).toBe(false);
    expect(api.requests.length).toBe(2);
  }, 60_000);

  it('only the engine sets or clears the trash mark and the history: drafts and edits that carry them do not', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const d = loginDraft('Sneaky');
    const made = await h.engine.createItem({ ...d, overview: { ...d.overview, trashedAt: 1 } });
    expect(made.overview.trashedAt).toBeUndefined();
    expect(h.engine.listItems().map((i) => i.id)).toEqual([made.id]);
    const [imported] = await h.engine.importItems([{ ...d, overview: { ...d.overview, title: 'Imported', trashedAt: 1 } }]);
    expect(imported?.overview.trashedAt).toBeUndefined();
    // An edit cannot put an item in the trash behind the engine's back (no item.delete record, no purge clock of its choosing)…
    const v = await h.engine.getItem(made.id);
    const edited = await h.engine.updateItem({ id: made.id, baseVersion: v.version, overview: { ...v.overview, trashedAt: 1 }, details: v.details });
    expect(edited.overview.trashedAt).toBeUndefined();
    // … nor bring in a made-up history.
    const forged = [{ version: 1, at: 1, fields: [{ field: 'password', name: 'Password', value: 'planted' }] }];
    await expectCode(h.engine.createItem({ ...d, details: { ...d.details, history: forged } } as never), 'invalid_input');
    await expectCode(h.engine.updateItem({ id: made.id, baseVersion: edited.version, overview: v.overview, details: { ...v.details, history: forged } } as never), 'invalid_input');
    expect((await h.engine.getItem(made.id)).history).toEqual([]);
  });
});
