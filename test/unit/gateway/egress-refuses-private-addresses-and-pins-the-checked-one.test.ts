/**
 * Egress: non-public addresses are refused after resolution unless an IP literal is
 * named by the item; a name with ANY non-public address is refused; and the connection
 * goes to the address that was checked (no second lookup a rebinding DNS could answer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress } from '../../../src/main/egress/address';
import { resolveChecked, sendPinned, type Resolver } from '../../../src/main/egress/request';
import { startServer, type TestServer } from './harness';

describe('address classes', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd00::1', 'private'],
    ['169.254.169.254', 'link_local'],
    ['fe80::1', 'link_local'],
    ['0.0.0.0', 'special'],
    ['::', 'special'],
    ['224.0.0.1', 'special'],
    ['255.255.255.255', 'special'],
    ['not-an-ip', 'special'],
    ['8.8.8.8', 'public'],
    ['2606:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
  ])('%s is %s', (addr, cls) => {
    expect(classifyAddress(addr)).toBe(cls);
  });
});

describe('resolution checks', () => {
  const resolver =
    (answers: Record<string, string[]>): Resolver =>
    async (h) =>
      (answers[h] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('refuses a name when any of its addresses is non-public', async () => {
    const r = resolver({ 'mixed.example': ['93.184.216.34', '127.0.0.1'] });
    await expect(resolveChecked(new URL('https://mixed.example/'), { resolver: r, allowNonPublicLiteral: true })).rejects.toMatchObject({ code: 'destination_refused' });
  });
  it('refuses an IP literal in a private range unless the item names it', async () => {
    const r = resolver({});
    for (const u of ['http://10.0.0.5/', 'http://[::1]:8080/', 'http://2130706433/', 'http://169.254.169.254/latest/meta-data']) {
      await expect(resolveChecked(new URL(u), { resolver: r, allowNonPublicLiteral: false })).rejects.toMatchObject({ code: 'destination_refused' });
    }
    await expect(resolveChecked(new URL('http://10.0.0.5/'), { resolver: r, allowNonPublicLiteral: true })).resolves.toMatchObject({ address: { address: '10.0.0.5' } });
  });
  it('refuses special addresses even when named', async () => {
    await expect(resolveChecked(new URL('http://0.0.0.0:80/'), { resolver: resolver({}), allowNonPublicLiteral: true })).rejects.toMatchObject({ code: 'destination_refused' });
  });
  it('refuses an unresolvable name with a clear reason', async () => {
    await expect(resolveChecked(new URL('https://nowhere.invalid/'), { resolver: resolver({}), allowNonPublicLiteral: false })).rejects.toMatchObject({
      code: 'destination_refused',
    });
  });
});

describe('pinned connection', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((req, res) => res.end(`host=${req.headers.host}`));
  });
  afterAll(async () => server.close());

  it('connects to the checked address, never looking the name up again', async () => {
    // "pinned.invalid" resolves nowhere: the request can only arrive through the pin.
    const url = new URL(`http://pinned.invalid:${server.port}/x`);
    const res = await sendPinned({ target: { url, address: { address: '127.0.0.1', family: 4 } }, method: 'GET', headers: {}, timeoutMs: 5000, maxBodyBytes: 1024 });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(`host=pinned.invalid:${server.port}`);
  });

  it('caps the body and says so', async () => {
    const big = await startServer((_req, res) => res.end('x'.repeat(10_000)));
    try {
      const url = new URL(`${big.origin}/`);
      const res = await sendPinned({ target: { url, address: { address: '127.0.0.1', family: 4 } }, method: 'GET', headers: {}, timeoutMs: 5000, maxBodyBytes: 100 });
      expect(res.body.length).toBe(100);
      expect(res.truncated).toBe(true);
    } finally {
      await big.close();
    }
  });
});
