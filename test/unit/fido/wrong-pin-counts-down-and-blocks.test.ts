/**
 * PIN handling against the software key: a wrong PIN is re-asked with the tries
 * left counting down; giving up after a wrong PIN reports 'fido_pin_invalid' with
 * retriesLeft; three wrong in a row need a replug; at zero the PIN is blocked.
 * Runs with PIN protocol 2 and with a protocol-1-only CTAP 2.0 key.
 */
import { describe, expect, it } from 'vitest';
import { expectCode, makeKey, makeService, random } from './helpers';

const variants = [
  { name: 'CTAP 2.1 key, PIN protocol 2, token with permissions', opts: {} },
  { name: 'CTAP 2.0 key, PIN protocol 1 only, getPinToken', opts: { pinProtocols: [1], pinUvAuthToken: false } },
];

describe.each(variants)('PIN on a $name', ({ opts }) => {
  async function enrolled() {
    const key = makeKey('k', opts);
    const h = makeService([key]);
    await h.service.setPin('1357');
    h.pins.push('1357');
    const e = await h.service.enrol({ name: 'k', userId: random(16), uv: 'required' });
    expect(e.uv).toBe(true);
    // Enrolment keeps its PIN token for the hmac-secret call that follows: one PIN prompt in all.
    await h.service.getHmacSecret({ credentialIds: [e.credentialId], salt: random(32), uv: true });
    expect(h.events.filter((x) => x.event === 'pin-needed')).toHaveLength(1);
    return { key, h, e };
  }

  it('a wrong PIN is asked again with one try fewer; the right PIN then works', async () => {
    const { h, e } = await enrolled();
    h.events.length = 0;
    h.pins.push('0000', '1111', '1357');
    const salt = random(32);
    const got = await h.service.getHmacSecret({ credentialIds: [e.credentialId], salt, uv: true });
    expect(got.secret).toHaveLength(32);
    const prompts = h.events.flatMap((x) => (x.event === 'pin-needed' ? [x.payload] : []));
    expect(prompts.map((p) => [p.retriesLeft, p.retry])).toEqual([
      [8, false],
      [7, true],
      [6, true],
    ]);
    // A correct PIN resets the counter.
    expect((await h.service.info()).pinRetries).toBe(8);
  });

  it('giving up after a wrong PIN reports fido_pin_invalid with the tries left, never the PIN', async () => {
    const { h, e } = await enrolled();
    h.pins.push('9999', undefined);
    const details = await expectCode(h.service.getHmacSecret({ credentialIds: [e.credentialId], salt: random(32), uv: true }), 'fido_pin_invalid');
    expect(details).toEqual({ retriesLeft: 7 });
    expect(JSON.stringify(h.events)).not.toContain('9999');
  });

  it('three wrong PINs in a row need a replug; at zero tries the PIN is blocked', async () => {
    const { key, h, e } = await enrolled();
    h.pins.push('0001', '0002', '0003');
    const d = await expectCode(h.service.getHmacSecret({ credentialIds: [e.credentialId], salt: random(32), uv: true }), 'fido_pin_blocked');
    expect(d).toEqual({ status: 0x34 }); // PIN_AUTH_BLOCKED: power cycle needed, not the final block
    key.unplug();
    key.replug();
    expect((await h.service.info()).pinRetries).toBe(5);
    // Burn the rest: 5 more wrong PINs (with a replug after each third).
    key.authenticator.state.pinRetries = 1;
    h.pins.push('0004');
    await expectCode(h.service.getHmacSecret({ credentialIds: [e.credentialId], salt: random(32), uv: true }), 'fido_pin_blocked');
    expect(key.authenticator.state.pinRetries).toBe(0);
    // Blocked: refused before any PIN is asked.
    const before = h.events.filter((x) => x.event === 'pin-needed').length;
    await expectCode(h.service.getHmacSecret({ credentialIds: [e.credentialId], salt: random(32), uv: true }), 'fido_pin_blocked');
    expect(h.events.filter((x) => x.event === 'pin-needed').length).toBe(before);
  });

  it('cancelling the PIN prompt cancels the operation', async () => {
    const { h, e } = await enrolled();
    h.pins.push(undefined);
    await expectCode(h.service.getHmacSecret({ credentialIds: [e.credentialId], salt: random(32), uv: true }), 'cancelled');
  });

  it('uv required on a key without a PIN asks the person to set one', async () => {
    const key = makeKey('np', opts);
    const h = makeService([key]);
    await expectCode(h.service.enrol({ name: 'k', userId: random(16), uv: 'required' }), 'fido_pin_required');
  });

  it('same salt gives the same secret, another salt another one, and UV and no-UV secrets differ', async () => {
    const { h, e } = await enrolled();
    const salt = random(32);
    h.pins.push('1357', '1357', '1357');
    const a = await h.service.getHmacSecret({ credentialIds: [e.credentialId], salt, uv: true });
    const b = await h.service.getHmacSecret({ credentialIds: [e.credentialId], salt, uv: true });
    const c = await h.service.getHmacSecret({ credentialIds: [e.credentialId], salt: random(32), uv: true });
    const d = await h.service.getHmacSecret({ credentialIds: [e.credentialId], salt, uv: false });
    expect(a.secret).toEqual(b.secret);
    expect(c.secret).not.toEqual(a.secret);
    expect(d.secret).not.toEqual(a.secret);
  });
});
