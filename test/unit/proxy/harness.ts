/**
 * Test composition for the run proxy: a test CA of its own for the upstream HTTPS
 * servers (trusted by the proxy only through `upstreamCa`), servers that record what
 * they receive, the per-device CA in a memory keychain, and a child runner.
 */
import { spawn } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCa {
  certPem: string;
  issue(names: string[]): Promise<{ cert: string; key: string }>;
}

export async function createTestCa(): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Upstream test CA',
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certPem: cert.toString('pem'),
    async issue(names) {
      const k = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
      const leaf = await x509.X509CertificateGenerator.create({
        subject: `CN=${names[0]}`,
        issuer: cert.subject,
        publicKey: k.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: /^\d/.test(n) ? ('ip' as const) : ('dns' as const), value: n }))),
          await x509.AuthorityKeyIdentifierExtension.create(cert),
        ],
      });
      const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', k.privateKey)).toString('base64');
      return { cert: leaf.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n` };
    },
  };
}

export interface Upstream {
  port: number;
  /** `body`: what arrived, as UTF-8 (read whole for every request). */
  requests: Array<{ method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }>;
  close(): Promise<void>;
}

/** Git smart-HTTP ref advertisement (pkt-lines) for one ref. */
function pkt(s: string): string {
  return (s.length + 4).toString(16).padStart(4, '0') + s;
}
const ZERO = '0'.repeat(40).replace(/^0/, '1');
const ADVERT = `${pkt('# service=git-upload-pack\n')}0000${pkt(`${ZERO} HEAD\0multi_ack\n`)}${pkt(`${ZERO} refs/heads/main\n`)}0000`;

export async function startUpstream(ca: TestCa, names: string[]): Promise<Upstream> {
  const { cert, key } = await ca.issue(names);
  const requests: Upstream['requests'] = [];
  const server = https.createServer({ cert, key }, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => answer(req, res, Buffer.concat(parts).toString('utf8')));
  });
  const answer = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    if (req.url?.startsWith('/body/')) {
      // Echoes the body: the proxy must turn a swapped secret back into the placeholder.
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`body ${body}`);
      return;
    }
    if (req.url?.startsWith('/repo.git/info/refs')) {
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement', 'cache-control': 'no-cache' }).end(ADVERT);
      return;
    }
    if (req.url?.startsWith('/api/v3/user')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ login: 'octo', seen: req.headers.authorization ?? '' }));
      return;
    }
    // Echoes the credential back, in a header and the body: the proxy must turn it back into the placeholder.
    res.writeHead(200, { 'content-type': 'text/plain', 'x-seen': String(req.headers.authorization ?? '') }).end(`seen ${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a real client with only the given environment (plus PATH). */
export function runChild(cmd: string, args: string[], env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
