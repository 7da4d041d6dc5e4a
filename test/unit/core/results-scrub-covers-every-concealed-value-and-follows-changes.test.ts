/**
 * The engine's 'results.scrub' (what main sends every agent-bound result through):
 * it redacts every concealed value of every kind — API secrets and their fields,
 * login passwords, TOTP seeds (also the bare seed inside an otpauth URI), SSH private
 * keys and passphrases, concealed custom fields — and nothing that is not secret; it
 * follows item changes (a new value is covered, a deleted one is not), refuses when
 * locked, and its input is bounded.
 */
import { describe, expect, it } from 'vitest';
import { SCRUB_MAX_TEXTS, SCRUB_MAX_TOTAL_CHARS, scrubParamsSchema } from '../../../src/shared/contracts/engine';
import { REDACTED } from '../../../src/core/scrub/scrubber';
import { apiDraft, expectCode, makeHarness, PASSWORD } from './helpers';

const SEED = 'JBSWY3DPEHPK3PXPJBSWY3DP';

async function vault() {
  const h = makeHarness();
  await h.engine.createVault(PASSWORD);
  const api = await h.engine.createItem(apiDraft());
  const login = await h.engine.createItem({
    overview: { kind: 'login', title: 'Mail', username: 'alice', urls: [], tags: [] },
    details: {
      kind: 'login',
      password: 'login-password-123',
      totp: `otpauth://totp/Mail:alice?secret=${SEED}&issuer=Mail`,
      customFields: [
        { id: 'pin', name: 'PIN', concealed: true, value: 'concealed-pin-9876' },
        { id: 'hint', name: 'Hint', concealed: false, value: 'plain-visible-hint' },
      ],
    },
  });
  await h.engine.createItem({
    overview: { kind: 'ssh_key', title: 'Deploy', urls: [], tags: [] },
    details: {
      kind: 'ssh_key',
      privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      publicKey: 'ssh-ed25519 AAAA deploy',
      passphrase: 'ssh-passphrase-42',
      customFields: [],
    },
  });
  await h.engine.createItem({
    overview: { kind: 'secure_note', title: 'Note', urls: [], tags: [] },
    details: { kind: 'secure_note', text: 'an ordinary note body', customFields: [] },
  });
  return { h, api, login };
}

describe("engine 'results.scrub'", () => {
  it('redacts every concealed value of every item kind, and leaves what is not secret', async () => {
    const { h } = await vault();
    const secrets = ['ghp_supersecrettokenvalue', 'login-password-123', SEED, 'concealed-pin-9876', 'ssh-passphrase-42'];
    const r = await h.engine.scrubResults(secrets.map((s) => `<${s}>`));
    expect(r.texts).toEqual(secrets.map(() => `<${REDACTED}>`));
    expect(r.redactions).toBe(5);
    const key = await h.engine.scrubResults(['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----']);
    expect(key.texts[0]).toBe(REDACTED);
    const b64 = await h.engine.scrubResults([Buffer.from('login-password-123').toString('base64'), encodeURIComponent('concealed-pin-9876')]);
    expect(b64.texts.every((t) => t.includes(REDACTED))).toBe(true);
    const plain = ['plain-visible-hint', 'an ordinary note body', 'ssh-ed25519 AAAA deploy', 'alice'];
    expect((await h.engine.scrubResults(plain)).texts).toEqual(plain);
    h.store.close();
  });

  it('covers every custom field of an API credential (they are released with it)', async () => {
    const h = makeHarness();
    await h.engine.createVault(PASSWORD);
    const d = apiDraft();
    if (d.details.kind !== 'api_credential') throw new Error('draft');
    d.details.customFields = [{ id: 'acct', name: 'ACCOUNT', concealed: false, value: 'account-id-55501' }];
    await h.engine.createItem(d);
    expect((await h.engine.scrubResults(['id=account-id-55501'])).texts).toEqual([`id=${REDACTED}`]);
    h.store.close();
  });

  it('follows changes: an edited value is covered at once (the one it replaced still is), a deleted item no longer is', async () => {
    const { h, login, api } = await vault();
    expect((await h.engine.scrubResults(['new-password-after-edit'])).redactions).toBe(0);
    const view = await h.engine.getItem(login.id);
    await h.engine.updateItem({
      id: login.id,
      baseVersion: view.version,
      overview: view.overview,
      details: { ...view.details, password: 'new-password-after-edit' } as typeof view.details,
    });
    // The replaced value is kept in the item's history (and may still work where it was used): still covered.
    expect((await h.engine.scrubResults(['new-password-after-edit', 'login-password-123'])).texts).toEqual([REDACTED, REDACTED]);
    await h.engine.deleteItem(api.id);
    expect((await h.engine.scrubResults(['ghp_supersecrettokenvalue'])).texts).toEqual(['ghp_supersecrettokenvalue']);
    h.store.close();
  });

  it('refuses when locked and works again after unlock', async () => {
    const { h } = await vault();
    await h.engine.scrubResults(['warm the cache']);
    h.engine.lock();
    await expectCode(h.engine.scrubResults(['ghp_supersecrettokenvalue']), 'vault_locked');
    await h.engine.unlockWithPassword(PASSWORD);
    expect((await h.engine.scrubResults(['ghp_supersecrettokenvalue'])).texts).toEqual([REDACTED]);
    h.store.close();
  });

  it('bounds its input: text count and total size', () => {
    expect(scrubParamsSchema.safeParse({ texts: ['a', 'b'] }).success).toBe(true);
    expect(scrubParamsSchema.safeParse({ texts: Array.from({ length: SCRUB_MAX_TEXTS + 1 }, () => '') }).success).toBe(false);
    const half = 'x'.repeat(SCRUB_MAX_TOTAL_CHARS / 2);
    expect(scrubParamsSchema.safeParse({ texts: [half, half] }).success).toBe(true);
    expect(scrubParamsSchema.safeParse({ texts: [half, half, 'x'] }).success).toBe(false);
  });
});
