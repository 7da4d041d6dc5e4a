/**
 * The run proxy (src/main/proxy), interleaved with a direct baseline in the same run:
 * - added latency of an HTTPS GET with a placeholder swap through the proxy (CONNECT,
 *   TLS terminated with a minted leaf, swap, upstream TLS, response un-swap) over the
 *   same GET sent directly, both by undici with kept-alive connections, so the figure is
 *   "after the first connection to a host" (the goal: ≤ 2 ms p50, issue 12);
 * - minting one leaf certificate for a new host (ECDSA P-256, @peculiar/x509).
 * The upstream is a local HTTPS server with its own CA (trusted by both clients and the proxy).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import { Agent, ProxyAgent, request } from 'undici';
import { personalPolicy } from '../src/core/policy';
import { createMemoryKeychain } from '../src/main/keychain/keychain.memory';
import { loadOrCreateDeviceCa } from '../src/main/proxy/ca';
import { createLeafMinter } from '../src/main/proxy/leaf';
import { startProxiedRun } from '../src/main/proxy/run-env';
import type { Bench } from './lib/harness';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const SECRET = 'ghp_BenchSecretValue0123456789abcdefXYZ0';

async function upstreamCert(): Promise<{ caPem: string; cert: string; key: string }> {
  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Bench upstream CA',
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const k = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const leaf = await x509.X509CertificateGenerator.create({
    subject: 'CN=api.test',
    issuer: ca.subject,
    publicKey: k.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'api.test' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', k.privateKey)).toString('base64');
  return { caPem: ca.toString('pem'), cert: leaf.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n` };
}

export default async function proxyBench(bench: Bench): Promise<void> {
  const up = await upstreamCert();
  const server = https.createServer({ cert: up.cert, key: up.key }, (req, res) => {
    req.resume();
    res.end(`ok ${req.headers.authorization === `Bearer ${SECRET}` ? 'swapped' : 'direct'}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const ca = await loadOrCreateDeviceCa(createMemoryKeychain());
  const run = await startProxiedRun([{ env: 'TOKEN', itemId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'bench', secret: SECRET, rules: ['GET https://api.test/**'] }], {
    ca,
    command: 'bench',
    policy: () => personalPolicy(),
    record: async () => undefined,
    otherHosts: 'tunnel',
    upstreamCa: [up.caPem],
    dial: async () => ({ address: '127.0.0.1', port }),
  });
  const placeholder = run.env.TOKEN!;
  const direct = new Agent({ connect: { ca: up.caPem }, pipelining: 1 });
  const proxied = new ProxyAgent({ uri: run.proxy.url, requestTls: { ca: ca.certPem } });
  const get = async (url: string, dispatcher: Agent | ProxyAgent, token: string, want: string) => {
    const r = await request(url, { dispatcher, headers: { authorization: `Bearer ${token}` } });
    const text = await r.body.text();
    if (text !== want) throw new Error(`unexpected answer ${text}`);
  };
  try {
    await bench.section('run proxy', async () => {
      await bench.compare({
        name: 'HTTPS GET with a placeholder swap through the run proxy, kept-alive',
        unit: 'ms',
        rounds: bench.rounds(400, 40),
        warmup: 30,
        subject: { name: 'undici → proxy (CONNECT, minted leaf, swap, upstream TLS) → server', run: () => get('https://api.test/x', proxied, placeholder, 'ok swapped') },
        baseline: { name: 'undici → server directly', run: () => get(`https://127.0.0.1:${port}/x`, direct, SECRET, 'ok swapped') },
        goals: [{ metric: 'wall', stat: 'p50', of: 'added', op: '<=', value: 2, unit: 'ms', source: 'issue 12' }],
        notes: ['Both clients keep their connections alive, so this is the cost after the first connection to a host.'],
      });
      const minter = await createLeafMinter(ca);
      let n = 0;
      await bench.compare({
        name: 'leaf certificate minted for a new host',
        unit: 'ms',
        rounds: bench.rounds(200, 20),
        warmup: 10,
        subject: { name: 'createLeafMinter().leafFor(new host): ECDSA P-256 signature by the per-device CA', run: () => minter.leafFor(`h${n++}.example.com`) },
        notes: ['One key pair per run is made once; each new host costs one certificate.'],
      });
    });
  } finally {
    await direct.close();
    await proxied.close();
    await run.close();
    server.closeAllConnections();
    server.close();
  }
}
