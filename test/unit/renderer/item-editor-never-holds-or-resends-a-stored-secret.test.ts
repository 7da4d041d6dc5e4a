/**
 * The item editor's model: editing a stored item starts from the engine's MASKED
 * view (concealed values are null), and what it sends back keeps every stored
 * secret as null ("keep") unless the person typed a new one. So the editor never
 * needs, holds or re-sends a stored secret. Also: drafts are checked with the
 * shared schemas and problems name the field, never a value.
 */
import { describe, expect, it } from 'vitest';
import type { ItemView } from '../../../src/shared/items';
import { draftFromForm, emptyForm, formFromItem, generatePassword, updateFromForm } from '../../../src/renderer/items/form-model';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

const maskedLogin: ItemView = {
  id: ID,
  version: 3,
  createdAt: 1,
  updatedAt: 2,
  overview: { kind: 'login', title: 'Mail', username: 'me', urls: ['https://mail.example'], tags: ['work'] },
  details: {
    kind: 'login',
    password: null,
    totp: null,
    notes: 'n',
    customFields: [
      { id: 'pin', name: 'PIN', concealed: true, value: null },
      { id: 'q', name: 'Question', concealed: false, value: 'blue' },
    ],
  },
};

describe('editing a stored item', () => {
  it('sends every untouched concealed value back as null (keep), with the base version', () => {
    const r = updateFromForm(formFromItem(maskedLogin), ID, maskedLogin.version);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.baseVersion).toBe(3);
    expect(r.value.details).toMatchObject({ kind: 'login', password: null, totp: null });
    expect(r.value.details.customFields).toEqual([
      { id: 'pin', name: 'PIN', concealed: true, value: null },
      { id: 'q', name: 'Question', concealed: false, value: 'blue' },
    ]);
  });

  it('sends a newly typed secret, and drops a removed optional one', () => {
    const f = formFromItem(maskedLogin);
    f.password = { mode: 'set', value: 'new password' };
    f.totp = { mode: 'absent' };
    const r = updateFromForm(f, ID, 3);
    expect(r.ok && r.value.details).toMatchObject({ password: 'new password' });
    expect(r.ok && 'totp' in r.value.details).toBe(false);
  });
});

describe('new items', () => {
  it('builds an API credential with its injection rule and origins (trailing slashes dropped)', () => {
    const f = emptyForm('api_credential');
    f.title = 'GitHub API';
    f.secret = { mode: 'set', value: 'ghp_x' };
    f.injectionType = 'header';
    f.headerName = 'X-Token';
    f.headerTemplate = 'token {secret}';
    f.allowedOrigins = 'https://api.github.com/\n\n https://uploads.github.com ';
    const r = draftFromForm(f);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.overview.injection).toEqual({ type: 'header', name: 'X-Token', template: 'token {secret}' });
    expect(r.value.overview.allowedOrigins).toEqual(['https://api.github.com', 'https://uploads.github.com']);
  });

  it('names the field that is wrong as the form labels it, and never echoes a value', () => {
    const f = emptyForm('api_credential');
    f.title = 'Bad';
    f.secret = { mode: 'set', value: 'super-secret-value' };
    // A path is a valid destination rule since method/path rules; a query never is.
    f.allowedOrigins = 'https://api.example.com/v1/path?x=1';
    const r = draftFromForm(f);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(/^Allowed destinations, line 1: /);
    expect(r.message).not.toContain('allowedOrigins');
    expect(r.message).not.toContain('super-secret-value');
  });

  it('refuses an item without a title', () => {
    const r = draftFromForm(emptyForm('secure_note'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toBe('Title: cannot be empty.');
  });

  it('generates 20-character passwords that differ each time', () => {
    const a = generatePassword();
    const b = generatePassword();
    expect(a).toHaveLength(20);
    expect(a).not.toBe(b);
  });
});
