/**
 * The engine's side of references (src/core/vault/reference-ops.ts, EngineMainContract
 * 'references.resolve' / 'references.release'): resolution answers names and
 * destinations but never a value; the vault part must name the open vault; an ambiguous
 * title is refused, never guessed; `totp` releases the current code, never the seed; a
 * release is audited (actor person, item and field) before the value is returned; a
 * canary is refused with a denied record; malformed params are refused at the RPC schema.
 */
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineMainContract } from '../../../src/shared/contracts/engine';
import { PASSWORD, apiCredentialDraft, loginDraft, makeHarness, sshDraft, type Harness } from './helpers';

let h: Harness;
let vaultId: string;
let loginId: string;
let canaryId: string;

beforeAll(async () => {
  h = makeHarness();
  await h.engine.createVault(PASSWORD);
  vaultId = (await h.engine.status()).vaultId!;
  loginId = (await h.engine.createItem(loginDraft('Mail'))).id;
  await h.engine.createItem(sshDraft());
  canaryId = (await h.engine.createItem(apiCredentialDraft('AWS root', 'AKIA-bait-0123456789abcdef', { allowedOrigins: ['https://aws.example'], canary: true }))).id;
  await h.engine.createItem(loginDraft('Shared'));
  await h.engine.createItem(loginDraft('Shared'));
});

describe('references.resolve', () => {
  it('names the item, field and destinations (a login: its URL origins), never a value', async () => {
    const r = await h.engine.resolveReference({ vault: 'PERSONAL', item: 'mail', field: 'PIN' });
    expect(r).toEqual({
      itemId: loginId,
      title: 'Mail',
      kind: 'login',
      field: 'custom:pin',
      destinations: ['https://example.com'],
      canary: false,
      swapInBody: false,
      tags: ['work'],
    });
    expect(EngineMainContract.methods['references.resolve'].result.safeParse(r).success).toBe(true);
    expect(JSON.stringify(r)).not.toContain('4321');
    const ssh = await h.engine.resolveReference({ vault: vaultId, item: 'Deploy key', field: 'privateKey' });
    expect(ssh.destinations).toEqual([]);
  });

  it('another vault name, an ambiguous title and a missing field are refused', async () => {
    await expect(h.engine.resolveReference({ vault: 'Work', item: 'Mail', field: 'password' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(h.engine.resolveReference({ vault: 'Personal', item: 'Shared', field: 'password' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('use its id'),
    });
    await expect(h.engine.resolveReference({ vault: 'Personal', item: 'Deploy key', field: 'secret' })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('privateKey, publicKey, passphrase'),
    });
  });

  it('a trashed item is out of reach: not resolved, not released, until it is restored', async () => {
    const id = (await h.engine.createItem(loginDraft('Binned'))).id;
    await h.engine.trashItem(id);
    await expect(h.engine.resolveReference({ vault: 'Personal', item: 'Binned', field: 'password' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(h.engine.releaseReferencedField(id, 'password')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('trash') });
    await h.engine.restoreItem(id);
    expect((await h.engine.resolveReference({ vault: 'Personal', item: 'Binned', field: 'password' })).itemId).toBe(id);
  });

  it('the RPC schema refuses unknown members and field ids outside the vocabulary', () => {
    const params = EngineMainContract.methods['references.release'].params;
    expect(params.safeParse({ itemId: loginId, field: 'password', purpose: 'run:sh' }).success).toBe(true);
    expect(params.safeParse({ itemId: loginId, field: 'seed', purpose: 'run:sh' }).success).toBe(false);
    expect(params.safeParse({ itemId: loginId, field: 'password', purpose: 'run:sh', extra: 1 }).success).toBe(false);
    expect(EngineMainContract.methods['references.resolve'].params.safeParse({ vault: 'a', item: 'b', field: 'c', x: 1 }).success).toBe(false);
  });
});

describe('references.release', () => {
  it('audits item.release (person, item, field) and returns the value; totp is the current code', async () => {
    const before = h.audit.length;
    expect((await h.engine.releaseReferencedField(loginId, 'password')).value).toBe('hunter2-very-secret');
    expect(h.audit.slice(before)).toEqual([{ action: 'item.release', actor: { type: 'person' }, target: { itemId: loginId, field: 'password' }, outcome: 'success' }]);
    const code = (await h.engine.releaseReferencedField(loginId, 'totp')).value;
    expect(code).toBe((await h.engine.totp(loginId)).code);
    expect(code).toMatch(/^\d{6}$/);
    expect(JSON.stringify(h.audit)).not.toContain('hunter2');
  });

  it('a canary is refused with a denied record; a field the item lacks is not_found', async () => {
    await expect(h.engine.releaseReferencedField(canaryId, 'secret')).rejects.toMatchObject({ code: 'forbidden' });
    expect(h.audit.at(-1)).toMatchObject({ action: 'item.release', outcome: 'denied', reason: 'canary_tripped', target: { itemId: canaryId } });
    await expect(h.engine.releaseReferencedField(loginId, 'privateKey')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a locked vault is vault_locked for both', async () => {
    h.engine.lock();
    await expect(h.engine.resolveReference({ vault: 'Personal', item: 'Mail', field: 'password' })).rejects.toMatchObject({ code: 'vault_locked' });
    await expect(h.engine.releaseReferencedField(loginId, 'password')).rejects.toMatchObject({ code: 'vault_locked' });
  });
});
