import { describe, expect, it } from 'vitest';
import { apiDraft, expectCode, loginDraft, makeHarness, ManualClock, noteDraft, PASSWORD, sshDraft } from './helpers';

describe('vault lifecycle: create, unlock, lock, items', () => {
  it('creates a vault that opens with the password and with the recovery code, and locks', async () => {
    const h = makeHarness();
    expect(await h.engine.status()).toEqual({ state: 'no_vault' });
    const { vaultId, recoveryCode } = await h.engine.createVault(PASSWORD);
    expect(recoveryCode).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect((await h.engine.status()).state).toBe('unlocked');
    const login = await h.engine.createItem(loginDraft());
    await h.engine.createItem(apiDraft());
    await h.engine.createItem(sshDraft());
    await h.engine.createItem(noteDraft());
    h.engine.lock();
    expect(await h.engine.status()).toEqual({ state: 'locked', vaultId, slotKinds: ['password', 'recovery_code'] });
    await expectCode(
      Promise.resolve().then(() => h.engine.listItems()),
      'vault_locked',
    );

    const h2 = h.reopen();
    await h2.engine.unlockWithPassword(PASSWORD);
    expect(h2.engine.listItems().map((i) => i.overview.title)).toEqual(['Deploy key', 'Example login', 'GitHub API', 'Safe combination']);
    h2.engine.lock();
    await h2.engine.unlockWithRecoveryCode(recoveryCode.toLowerCase().replace(/-/g, ' '));
    const view = await h2.engine.getItem(login.id);
    expect(view.details).toMatchObject({ kind: 'login', password: null, totp: null, notes: 'plain note' });
    expect(view.details.customFields).toEqual([
      { id: 'pin', name: 'PIN', concealed: true, value: null },
      { id: 'hint', name: 'Hint', concealed: false, value: 'blue' },
    ]);
    expect(await h2.engine.revealField(login.id, 'password', 'copy')).toBe('hunter2-very-secret');
    expect(await h2.engine.revealField(login.id, 'custom:pin', 'reveal')).toBe('4321');
    expect(h2.audit.map((a) => a.action)).toEqual(['vault.unlock', 'vault.lock', 'vault.unlock', 'item.copy', 'item.reveal']);
    expect(JSON.stringify(h2.audit)).not.toContain('hunter2');
  });

  it('refuses a wrong password and a wrong recovery code with typed errors, and audits the failures', async () => {
    const h = makeHarness();
    const { recoveryCode } = await h.engine.createVault(PASSWORD);
    h.engine.lock();
    await expectCode(h.engine.unlockWithPassword('not the password'), 'wrong_password');
    // A well-formed code for another vault (checksum valid) and a mistyped one.
    const other = makeHarness();
    const { recoveryCode: otherCode } = await other.engine.createVault(PASSWORD);
    await expectCode(h.engine.unlockWithRecoveryCode(otherCode), 'wrong_recovery_code');
    const typo = recoveryCode.slice(0, 5) + (recoveryCode[5] === 'A' ? 'B' : 'A') + recoveryCode.slice(6);
    await expectCode(h.engine.unlockWithRecoveryCode(typo), 'wrong_recovery_code');
    await expectCode(h.engine.unlockWithRecoveryCode('ABC'), 'wrong_recovery_code');
    expect((await h.engine.status()).state).toBe('locked');
    expect(h.audit.filter((a) => a.action === 'vault.unlock').map((a) => [a.outcome, a.reason])).toEqual([
      ['failure', 'wrong_password'],
      ['failure', 'wrong_recovery_code'],
      ['failure', 'wrong_recovery_code'],
      ['failure', 'wrong_recovery_code'],
    ]);
  });

  it('creates, updates (keeping concealed values sent back as null), deletes, and refuses stale edits', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const created = await h.engine.createItem(loginDraft());
    const view = await h.engine.getItem(created.id);
    const updated = await h.engine.updateItem({
      id: created.id,
      baseVersion: view.version,
      overview: { ...view.overview, title: 'Renamed' },
      details: { ...view.details, notes: 'new note' },
    });
    expect(updated.version).toBe(2);
    expect(await h.engine.revealField(created.id, 'password', 'reveal')).toBe('hunter2-very-secret');
    expect(await h.engine.revealField(created.id, 'custom:pin', 'reveal')).toBe('4321');
    await expectCode(h.engine.updateItem({ id: created.id, baseVersion: 1, overview: view.overview, details: view.details }), 'conflict');
    await expectCode(h.engine.revealField(created.id, 'secret', 'reveal'), 'not_found');
    expect(h.engine.searchItems('renamed').map((i) => i.id)).toEqual([created.id]);
    await h.engine.deleteItem(created.id);
    expect(h.engine.listItems()).toEqual([]);
    await expectCode(h.engine.getItem(created.id), 'not_found');
    const h2 = h.reopen();
    await h2.engine.unlockWithPassword(PASSWORD);
    expect(h2.engine.listItems()).toEqual([]);
  });

  it('search matches every term over title, username, URLs, tags and description', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    await h.engine.createItem(loginDraft('Bank'));
    await h.engine.createItem(apiDraft('GitHub'));
    expect(h.engine.searchItems('ALICE bank').map((i) => i.overview.title)).toEqual(['Bank']);
    expect(h.engine.searchItems('build bot').map((i) => i.overview.title)).toEqual(['GitHub']);
    expect(h.engine.searchItems('work').map((i) => i.overview.title)).toEqual(['Bank']);
    expect(h.engine.searchItems('').length).toBe(2);
    expect(h.engine.searchItems('nothing-like-this')).toEqual([]);
  });

  it('gives main credential overviews without secrets, and one secret per use (audited)', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const api = await h.engine.createItem(apiDraft());
    const login = await h.engine.createItem(loginDraft());
    const list = h.engine.listCredentials();
    expect(list).toEqual([
      {
        id: api.id,
        name: 'GitHub API',
        description: 'Read repos for the build bot',
        injection: { type: 'bearer' },
        allowedOrigins: ['https://api.github.com'],
        updatedAt: api.updatedAt,
        // Tags reach main so it can ask for a touch on high-risk ones (docs/policy.md).
        tags: ['ci'],
      },
    ]);
    expect(JSON.stringify(list)).not.toContain('ghp_');
    const use = await h.engine.useCredential(api.id, 'claude-code');
    expect(use).toMatchObject({ id: api.id, version: 1, secret: 'ghp_supersecrettokenvalue', fields: { ORG: 'acme' } });
    await expectCode(h.engine.useCredential(login.id), 'not_found');
    expect(h.audit.at(-1)).toEqual({ action: 'item.release', actor: { type: 'agent', id: 'claude-code' }, target: { itemId: api.id }, outcome: 'success' });
  });

  it('computes the RFC 6238 code of a login TOTP seed at the engine clock', async () => {
    const clock = new ManualClock(59_000);
    const h = makeHarness({ clock });
    await h.engine.createVault(PASSWORD);
    const login = await h.engine.createItem(loginDraft()); // seed "12345678901234567890", SHA1, 6 digits, 30 s
    expect(await h.engine.totp(login.id)).toEqual({ code: '287082', period: 30, validUntil: 60_000 });
    await h.engine.updateSettings({ autoLockMinutes: 0 }); // the clock is about to jump 35 years
    clock.t = 1111111109_000;
    expect((await h.engine.totp(login.id)).code).toBe('081804');
    const note = await h.engine.createItem(noteDraft());
    await expectCode(h.engine.totp(note.id), 'not_found');
  });

  it('refuses a second vault over an existing one', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    await expectCode(h.engine.createVault(PASSWORD), 'vault_exists');
  });
});
