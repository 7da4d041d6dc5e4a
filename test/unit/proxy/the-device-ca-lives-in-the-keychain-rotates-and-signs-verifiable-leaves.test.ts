/**
 * The per-device proxy CA: made once and kept in the keychain (private key included,
 * nowhere else), reused across runs, replaced when damaged or near expiry, and the
 * leaves it mints chain to it with the host as their only name.
 */
import 'reflect-metadata';
import { X509Certificate as NodeX509 } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { CA_ACCOUNT, CA_LIFETIME_DAYS, CA_RENEW_BEFORE_DAYS, loadOrCreateDeviceCa, rotateDeviceCa } from '../../../src/main/proxy/ca';
import { createLeafMinter } from '../../../src/main/proxy/leaf';
import { makePlaceholder } from '../../../src/main/proxy/placeholder';

const DAY = 86_400_000;

describe('the per-device CA', () => {
  it('is created once, stored in the keychain, and reused', async () => {
    const k = createMemoryKeychain();
    const a = await loadOrCreateDeviceCa(k);
    expect(await k.get(CA_ACCOUNT)).not.toBeNull();
    const b = await loadOrCreateDeviceCa(k);
    expect(b.certPem).toBe(a.certPem);
    const c = new NodeX509(a.certPem);
    expect(c.ca).toBe(true);
    expect(c.subject).toMatch(/Latchkey per-device proxy CA/);
  });
  it('is replaced when it is within the renewal window, damaged, or rotated on request', async () => {
    const k = createMemoryKeychain();
    const t0 = Date.now();
    const a = await loadOrCreateDeviceCa(k, t0);
    const late = await loadOrCreateDeviceCa(k, t0 + (CA_LIFETIME_DAYS - CA_RENEW_BEFORE_DAYS + 1) * DAY);
    expect(late.certPem).not.toBe(a.certPem);
    await k.set(CA_ACCOUNT, '{"v":1,"cert":"AAAA","key":"AAAA"}');
    const fixed = await loadOrCreateDeviceCa(k);
    expect(fixed.certPem).not.toBe(late.certPem);
    const rotated = await rotateDeviceCa(k);
    expect(rotated.certPem).not.toBe(fixed.certPem);
    expect((await loadOrCreateDeviceCa(k)).certPem).toBe(rotated.certPem);
  });
  it('mints leaves that chain to it, name only the host, and outlive neither a day nor the CA', async () => {
    const ca = await loadOrCreateDeviceCa(createMemoryKeychain());
    const minter = await createLeafMinter(ca);
    const leaf = await minter.leafFor('api.github.com');
    const cert = new NodeX509(leaf.certPem);
    const caCert = new NodeX509(ca.certPem);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe('DNS:api.github.com');
    expect(cert.checkHost('api.github.com')).toBe('api.github.com');
    expect(cert.checkHost('evil.com')).toBeUndefined();
    expect(new Date(cert.validTo).getTime() - Date.now()).toBeLessThanOrEqual(DAY);
    expect(await minter.leafFor('api.github.com')).toBe(leaf);
    const ip = new NodeX509((await minter.leafFor('127.0.0.1')).certPem);
    expect(ip.subjectAltName).toBe('IP Address:127.0.0.1');
  });
});

describe('placeholders', () => {
  it('keep a known prefix and the length, are random per run, and never contain the secret', () => {
    const s = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';
    const a = makePlaceholder(s);
    const b = makePlaceholder(s);
    expect(a).toMatch(/^ghp_[A-Za-z0-9]+$/);
    expect(a.length).toBe(s.length);
    expect(a).not.toBe(b);
    expect(makePlaceholder('short')).toMatch(/^lk_[A-Za-z0-9]{24}$/);
  });
});
