/**
 * A person reads which field to fix in the words of the screen, never an internal name
 * (`vault.changePassword`, `newPassword`, `allowedOrigins.0`) and never the value they
 * typed: through the real engine over RPC (the check that answers every UI call) and in
 * the item editor's own form check.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../../../src/shared/errors';
import { plainIssue } from '../../../src/shared/plain-issue';
import { draftFromForm, emptyForm } from '../../../src/renderer/items/form-model';
import { engineUiOverChannel, makeHarness, PASSWORD } from '../core/helpers';

const INTERNAL = /changePassword|newPassword|currentPassword|allowedOrigins|headerName|vault\.|"|\bat\b "|overview|details|\d+\.\d+/;
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function engineClient() {
  const h = makeHarness();
  const { ui, close } = engineUiOverChannel(h.engine);
  cleanups.push(close);
  return ui;
}

async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isLatchkeyError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('errors in plain words', () => {
  it('the engine refuses a short new password naming "New password", not the parameter or the method', async () => {
    const client = engineClient();
    await client.call('vault.create', { password: PASSWORD });
    const err = await refusal(client.call('vault.changePassword', { currentPassword: PASSWORD, newPassword: 'hunter2' }));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toBe('New password: needs at least 8 characters.');
    expect(err.message).not.toMatch(INTERNAL);
    expect(err.message).not.toContain('hunter2');
    // Code and logs still get the exact member and method.
    expect(err.details).toMatchObject({ method: 'vault.changePassword', path: 'newPassword', field: 'newPassword' });
  });

  it('a missing or mistyped parameter says so without a type dump', async () => {
    const client = engineClient();
    const missing = await refusal(client.call('vault.create', {} as never));
    expect(missing.message).toBe('Password: is required.');
    const wrong = await refusal(client.call('vault.create', { password: 12345678 } as never));
    expect(wrong.message).toBe('Password: is not the right kind of value.');
    expect(wrong.message).not.toContain('12345678');
  });

  it('the item editor names the line of a bad allowed destination and the header name as labelled', () => {
    const f = { ...emptyForm('api_credential'), title: 'GitHub', secret: { mode: 'set' as const, value: 'ghp_x' }, allowedOrigins: 'https://api.github.com\nnot a url' };
    const r = draftFromForm(f);
    expect(r.ok).toBe(false);
    const message = r.ok ? '' : r.message;
    expect(message).toMatch(/^Allowed destinations, line 2: must be /);
    expect(message).not.toMatch(/allowedOrigins|details|\.1\b/);

    const noTitle = draftFromForm({ ...f, title: '', allowedOrigins: 'https://api.github.com' });
    expect(noTitle.ok ? '' : noTitle.message).toBe('Title: cannot be empty.');
  });

  it('says what limit was passed, in the units a person counts', () => {
    expect(plainIssue({ code: 'too_big', path: ['overview', 'title'], message: 'Too big', maximum: 256, origin: 'string' }).message).toBe(
      'Title: can have at most 256 characters.',
    );
    expect(plainIssue({ code: 'too_big', path: ['overview', 'tags'], message: 'Too big', maximum: 32, origin: 'array' }).message).toBe('Tags: can have at most 32 entries.');
    expect(plainIssue({ code: 'invalid_format', path: ['serverUrl'], message: 'Invalid string: must match pattern /x/' }).message).toBe(
      'Server address: is not in the expected form.',
    );
    expect(plainIssue({ code: 'custom', path: ['code'], message: 'enrolment code' }).message).toBe('Enrolment code: is not in the expected form.');
    expect(plainIssue({ code: 'invalid_format', path: ['details', 'allowedOrigins', 0], message: 'an origin such as https://api.example.com (no path)' }).message).toBe(
      'Allowed destinations, line 1: must be an origin such as https://api.example.com (no path).',
    );
    expect(plainIssue(undefined).message).toBe('Some of what was entered is not valid.');
  });
});
