/**
 * Item history on a real engine: every edit that changes or drops a concealed value
 * (password, TOTP seed, API secret, SSH key, concealed custom field) keeps the earlier
 * value in the item's sealed details; the UI sees versions and field names but no
 * value until it reveals one (audited, reason previous_version); restoring a version
 * is a new version whose replaced values join the history; at most HISTORY_LIMIT
 * versions are kept; earlier values are scrubbed from agent results too.
 */
import { describe, expect, it } from 'vitest';
import { HISTORY_LIMIT, HISTORY_MAX_CHARS, type ItemView } from '../../../src/shared/items';
import { PASSWORD, apiDraft, expectCode, loginDraft, makeHarness, type Harness } from './helpers';

async function setPassword(h: Harness, id: string, password: string): Promise<ItemView> {
  const v = await h.engine.getItem(id);
  await h.engine.updateItem({ id, baseVersion: v.version, overview: v.overview, details: { ...v.details, password } as ItemView['details'] });
  return h.engine.getItem(id);
}

describe('item history', () => {
  it('keeps the replaced password and custom secret, shows no value, and reveals one with an audit record', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const item = await h.engine.createItem(loginDraft('Mail'));
    const v1 = await h.engine.getItem(item.id);
    expect(v1.history).toEqual([]);
    h.clock.t += 1000;
    const details = { ...v1.details, password: 'second-password', customFields: v1.details.customFields.map((c) => (c.id === 'pin' ? { ...c, value: '9999' } : c)) };
    await h.engine.updateItem({ id: item.id, baseVersion: 1, overview: { ...v1.overview, title: 'Mail 2' }, details: details });
    const v2 = await h.engine.getItem(item.id);
    expect(v2.history).toEqual([
      {
        version: 1,
        at: h.clock.t,
        fields: [
          { field: 'password', name: 'Password' },
          { field: 'custom:pin', name: 'PIN' },
        ],
      },
    ]);
    expect(JSON.stringify(v2)).not.toContain('hunter2-very-secret');
    expect(JSON.stringify(v2)).not.toContain('4321');
    // An edit that changes no concealed value adds no version.
    await h.engine.updateItem({ id: item.id, baseVersion: 2, overview: { ...v2.overview, title: 'Mail 3' }, details: v2.details });
    expect((await h.engine.getItem(item.id)).history).toHaveLength(1);

    h.audit.length = 0;
    expect(await h.engine.revealPreviousValue(item.id, 1, 'password')).toBe('hunter2-very-secret');
    expect(await h.engine.revealPreviousValue(item.id, 1, 'custom:pin', 'copy')).toBe('4321');
    expect(h.audit.map((e) => [e.action, e.target, e.reason])).toEqual([
      ['item.reveal', { itemId: item.id, field: 'password' }, 'previous_version'],
      ['item.copy', { itemId: item.id, field: 'custom:pin' }, 'previous_version'],
    ]);
    await expectCode(h.engine.revealPreviousValue(item.id, 1, 'totp'), 'not_found');
    await expectCode(h.engine.revealPreviousValue(item.id, 7, 'password'), 'not_found');
    // It is sealed in the record: still there after a relock.
    h.engine.lock();
    await h.engine.unlockWithPassword(PASSWORD);
    expect(await h.engine.revealPreviousValue(item.id, 1, 'password')).toBe('hunter2-very-secret');
  });

  it('restoring a version makes a new version and keeps the values it replaced', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const item = await h.engine.createItem(loginDraft('Mail'));
    await setPassword(h, item.id, 'second-password');
    const v2 = await h.engine.getItem(item.id);
    await expectCode(h.engine.restorePreviousVersion(item.id, 1, 1), 'conflict');
    const restored = await h.engine.restorePreviousVersion(item.id, v2.version, 1);
    expect(restored.version).toBe(3);
    expect(await h.engine.revealField(item.id, 'password', 'reveal')).toBe('hunter2-very-secret');
    const v3 = await h.engine.getItem(item.id);
    expect(v3.history?.map((x) => x.version)).toEqual([2, 1]);
    expect(await h.engine.revealPreviousValue(item.id, 2, 'password')).toBe('second-password');
    expect(h.audit.some((e) => e.action === 'item.update' && e.reason === 'version_restored' && e.target?.itemId === item.id)).toBe(true);
    // Other fields are untouched by the restore.
    expect(v3.overview).toEqual(v2.overview);
    expect(v3.details.customFields).toEqual(v2.details.customFields);
  });

  it('brings back a removed concealed custom field and a removed TOTP seed', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const item = await h.engine.createItem(loginDraft('Mail'));
    const v1 = await h.engine.getItem(item.id);
    const { totp: _t, ...rest } = v1.details as Extract<ItemView['details'], { kind: 'login' }>;
    await h.engine.updateItem({ id: item.id, baseVersion: 1, overview: v1.overview, details: { ...rest, customFields: [] } });
    await expectCode(h.engine.revealField(item.id, 'custom:pin', 'reveal'), 'not_found');
    await h.engine.restorePreviousVersion(item.id, 2, 1);
    expect(await h.engine.revealField(item.id, 'custom:pin', 'reveal')).toBe('4321');
    expect((await h.engine.totp(item.id)).code).toMatch(/^\d{6}$/);
  });

  it(`keeps at most ${HISTORY_LIMIT} versions, newest first`, async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const item = await h.engine.createItem(loginDraft('Mail'));
    for (let i = 1; i <= HISTORY_LIMIT + 5; i++) await setPassword(h, item.id, `password ${i}`);
    const v = await h.engine.getItem(item.id);
    expect(v.history).toHaveLength(HISTORY_LIMIT);
    expect(v.history![0]!.version).toBe(HISTORY_LIMIT + 5);
    expect(await h.engine.revealPreviousValue(item.id, v.history![0]!.version, 'password')).toBe(`password ${HISTORY_LIMIT + 4}`);
    // The oldest ones (the original and the first five replacements) are gone.
    await expectCode(h.engine.revealPreviousValue(item.id, 1, 'password'), 'not_found');
    await expectCode(h.engine.revealPreviousValue(item.id, 5, 'password'), 'not_found');
    expect(await h.engine.revealPreviousValue(item.id, 6, 'password')).toBe('password 5');
  });

  it(`keeps at most ${HISTORY_MAX_CHARS} characters of earlier values, dropping the oldest first`, async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const item = await h.engine.createItem(loginDraft('Big'));
    const big = (i: number) => `${i}`.padEnd(60_000, 'x');
    for (let i = 1; i <= 6; i++) await setPassword(h, item.id, big(i));
    const v = await h.engine.getItem(item.id);
    // Versions 2..5 hold 60 000 characters each: four fit in the bound, the fifth would not.
    expect(v.history?.map((x) => x.version)).toEqual([6, 5, 4, 3]);
    expect(await h.engine.revealPreviousValue(item.id, 3, 'password')).toBe(big(2));
    await expectCode(h.engine.revealPreviousValue(item.id, 2, 'password'), 'not_found');
  });

  it('scrubs an earlier API secret from agent results as well as the current one', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const item = await h.engine.createItem(apiDraft('Deploy'));
    const v1 = await h.engine.getItem(item.id);
    await h.engine.updateItem({ id: item.id, baseVersion: 1, overview: v1.overview, details: { ...v1.details, secret: 'ghp_rotatedtokenvalue12345' } as ItemView['details'] });
    const r = await h.engine.scrubResults(['old ghp_supersecrettokenvalue new ghp_rotatedtokenvalue12345']);
    expect(r.texts[0]).not.toContain('ghp_supersecrettokenvalue');
    expect(r.texts[0]).not.toContain('ghp_rotatedtokenvalue12345');
    // The agent is given only the current one.
    expect((await h.engine.useCredential(item.id)).secret).toBe('ghp_rotatedtokenvalue12345');
  });
});
