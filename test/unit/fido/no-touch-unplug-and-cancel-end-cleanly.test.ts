/**
 * Waiting on a person and on hardware: no touch in time -> 'fido_no_touch' (after a
 * 'touch-needed' event) and the key still works afterwards (the CANCEL was drained);
 * a key pulled out mid-command -> 'fido_removed'; cancelling from the UI ->
 * 'cancelled'; a key without hmac-secret -> 'fido_no_hmac_secret'. All with short
 * deadlines: nothing here waits seconds.
 */
import { describe, expect, it } from 'vitest';
import { expectCode, makeKey, makeService, random } from './helpers';

async function enrolledNoPin(o: Parameters<typeof makeKey>[1] = {}) {
  const key = makeKey('k', o);
  const h = makeService([key], { touchTimeoutMs: 800 });
  const e = await h.service.enrol({ name: 'k', userId: random(16), uv: 'discouraged' });
  return { key, h, e };
}

describe('touch, unplug and cancel', () => {
  it('no touch in time gives fido_no_touch after a touch-needed event, and the key works again afterwards', async () => {
    const { key, h, e } = await enrolledNoPin();
    key.authenticator.presence = 'never';
    const salt = random(32);
    await expectCode(h.service.getHmacSecret({ credentialIds: [e.credentialId], salt, uv: false }), 'fido_no_touch');
    expect(h.events.some((x) => x.event === 'touch-needed')).toBe(true);
    expect(h.events.at(-1)?.event).toBe('done');
    key.authenticator.presence = 'auto';
    const a = await h.service.getHmacSecret({ credentialIds: [e.credentialId], salt, uv: false });
    expect(a.secret).toHaveLength(32);
  });

  it('a key pulled out while waiting for a touch gives fido_removed', async () => {
    const { key, h, e } = await enrolledNoPin();
    key.authenticator.presence = async () => {
      key.unplug();
      return new Promise<boolean>(() => {});
    };
    await expectCode(h.service.getHmacSecret({ credentialIds: [e.credentialId], salt: random(32), uv: false }), 'fido_removed');
    // Unplugged keys are not listed, so the next call says so plainly.
    await expectCode(h.service.getHmacSecret({ credentialIds: [e.credentialId], salt: random(32), uv: false }), 'not_found');
  });

  it('cancelling from the UI ends the operation with cancelled', async () => {
    const { key, h, e } = await enrolledNoPin();
    key.authenticator.presence = 'never';
    const un = h.service.subscribe((x) => {
      if (x.event === 'touch-needed') h.service.cancel(x.payload.requestId);
    });
    await expectCode(h.service.getHmacSecret({ credentialIds: [e.credentialId], salt: random(32), uv: false }), 'cancelled');
    un();
  });

  it('a key without hmac-secret is refused with fido_no_hmac_secret', async () => {
    const key = makeKey('old', { hmacSecret: false });
    const h = makeService([key]);
    await expectCode(h.service.enrol({ name: 'k', userId: random(16) }), 'fido_no_hmac_secret');
  });

  it('a credential not on the key gives fido_not_enrolled without asking for a touch', async () => {
    const { key, h } = await enrolledNoPin();
    key.authenticator.presence = 'never';
    await expectCode(h.service.getHmacSecret({ credentialIds: [random(48)], salt: random(32), uv: false }), 'fido_not_enrolled');
    expect(h.events.some((x) => x.event === 'touch-needed')).toBe(false);
  });

  it('no key plugged in, and several keys with none chosen, are told apart', async () => {
    const none = makeService([]);
    await expectCode(none.service.enrol({ name: 'k', userId: random(16) }), 'not_found');
    const two = makeService([makeKey('a'), makeKey('b')]);
    expect((await two.service.list()).map((d) => d.id)).toEqual(['a', 'b']);
    const d = await expectCode(two.service.enrol({ name: 'k', userId: random(16) }), 'invalid_input');
    expect(d).toMatchObject({ reason: 'choose_device', count: 2 });
  });

  it('state survives a replug from JSON: the same credential gives the same secret', async () => {
    const { key, h, e } = await enrolledNoPin();
    const salt = random(32);
    const a = await h.service.getHmacSecret({ credentialIds: [e.credentialId], salt, uv: false });
    const copy = makeKey('copy', { state: key.authenticator.serialize() });
    const h2 = makeService([copy]);
    const b = await h2.service.getHmacSecret({ credentialIds: [e.credentialId], salt, uv: false });
    expect(b.secret).toEqual(a.secret);
  });
});
