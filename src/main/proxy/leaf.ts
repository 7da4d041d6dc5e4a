/**
 * Leaf certificates minted on the fly for the hosts a run's credentials may go to,
 * signed by the per-device CA. One key pair per proxy (per run); one certificate per
 * host, cached for the run; valid for one day, never past the CA.
 */
import { isIP } from 'node:net';
import { webcrypto } from 'node:crypto';
// @peculiar/x509's dependency tsyringe needs the Reflect metadata API at load time.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { EC_ALG, privateKeyPem, type DeviceCa } from './ca';

export interface Leaf {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface LeafMinter {
  leafFor(host: string): Promise<Leaf>;
}

export async function createLeafMinter(ca: DeviceCa, now: () => number = Date.now): Promise<LeafMinter> {
  const keys = await webcrypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify']);
  const keyPem = privateKeyPem(keys.privateKey);
  const aki = await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false);
  const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
  const cache = new Map<string, Promise<Leaf>>();
  const mint = async (host: string): Promise<Leaf> => {
    const t = now();
    const ip = isIP(host) !== 0;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
      subject: ip ? 'CN=Latchkey proxy' : `CN=${host.replace(/[,+"\\<>;=]/g, '')}`,
      issuer: ca.cert.subject,
      notBefore: new Date(t - 3_600_000),
      notAfter: new Date(Math.min(t + 86_400_000, ca.cert.notAfter.getTime())),
      signingAlgorithm: EC_ALG,
      publicKey: keys.publicKey,
      signingKey: ca.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension([{ type: ip ? 'ip' : 'dns', value: host }], false),
        aki,
        ski,
      ],
    });
    return { certPem: cert.toString('pem'), keyPem };
  };
  return {
    leafFor(host) {
      let p = cache.get(host);
      if (!p) {
        p = mint(host);
        cache.set(host, p);
        p.catch(() => cache.delete(host));
      }
      return p;
    },
  };
}
