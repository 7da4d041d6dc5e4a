/**
 * Test certificate authorities for attestation, made at test time with @peculiar/x509
 * over Node's WebCrypto: a root (what a policy pins), optional intermediates, and
 * attestation certificates for the software key, conforming to WebAuthn §8.2.1 unless
 * a test asks for one defect. The attestation private key signs through node:crypto
 * so the software authenticator can sign synchronously.
 */
import { createPrivateKey, sign as nodeSign, webcrypto, type KeyObject } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { COSE_ALG } from '../../src/main/fido/cose-key';
import type { SoftAttestation } from './soft-authenticator';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;
const ED = { name: 'Ed25519' } as const;
const DAY = 86_400_000;

export type TestAlg = 'ES256' | 'EdDSA' | 'RS256';
const algParams = (a: TestAlg) => (a === 'ES256' ? EC : a === 'RS256' ? RSA : ED);
const COSE: Record<TestAlg, number> = { ES256: COSE_ALG.ES256, EdDSA: COSE_ALG.EdDSA, RS256: COSE_ALG.RS256 };

export interface TestCa {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  /** As a policy pins it. */
  pem: string;
  /** As a FIDO Metadata Service statement lists it (bare base64 DER). */
  base64: string;
}

let serial = 1;
const nextSerial = (): string => (serial++).toString(16).padStart(4, '0');

async function generate(alg: TestAlg): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algParams(alg), true, ['sign', 'verify'])) as CryptoKeyPair;
}

function wrap(cert: x509.X509Certificate, keys: CryptoKeyPair): TestCa {
  return { cert, keys, pem: cert.toString('pem'), base64: Buffer.from(cert.rawData).toString('base64') };
}

/** A self-signed root CA (CA true, keyCertSign). */
export async function makeTestCa(name = 'Latchkey Test Attestation Root', o: { notAfter?: Date } = {}): Promise<TestCa> {
  const keys = await generate('ES256');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${name}, O=Latchkey Tests, C=SE`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: o.notAfter ?? new Date(Date.now() + 365 * DAY),
    signingAlgorithm: EC,
    keys,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return wrap(cert, keys);
}

/** An intermediate CA under `issuer`; `ca: false` makes a certificate that must not issue. */
export async function makeIntermediate(issuer: TestCa, name: string, o: { ca?: boolean; pathLength?: number } = {}): Promise<TestCa> {
  const keys = await generate('ES256');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: `CN=${name}, O=Latchkey Tests, C=SE`,
    issuer: issuer.cert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 365 * DAY),
    signingAlgorithm: EC,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions: [new x509.BasicConstraintsExtension(o.ca ?? true, o.pathLength, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return wrap(cert, keys);
}

export interface AttestationCertOptions {
  /** The id-fido-gen-ce-aaguid extension's AAGUID; null leaves the extension out. */
  aaguid: Uint8Array | null;
  alg?: TestAlg;
  /** Subject OU; WebAuthn requires "Authenticator Attestation". */
  ou?: string;
  /** Basic Constraints CA flag; null leaves the extension out. */
  basicConstraintsCa?: boolean | null;
  aaguidCritical?: boolean;
  notBefore?: Date;
  notAfter?: Date;
}

export interface AttestationKey {
  der: Uint8Array;
  alg: number;
  sign(data: Uint8Array): Uint8Array;
}

/** A leaf attestation certificate issued by `issuer`, and a signer with its private key. */
export async function issueAttestationCert(issuer: TestCa, o: AttestationCertOptions): Promise<AttestationKey> {
  const alg = o.alg ?? 'ES256';
  const keys = await generate(alg);
  const extensions: x509.Extension[] = [];
  const bc = o.basicConstraintsCa === undefined ? false : o.basicConstraintsCa;
  if (bc !== null) extensions.push(new x509.BasicConstraintsExtension(bc, undefined, true));
  // extnValue = DER OCTET STRING (04 10 ‖ 16 bytes), WebAuthn §8.2.1.
  if (o.aaguid) extensions.push(new x509.Extension('1.3.6.1.4.1.45724.1.1.4', o.aaguidCritical ?? false, new Uint8Array([0x04, o.aaguid.length, ...o.aaguid])));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: `CN=Latchkey Soft Key Attestation, OU=${o.ou ?? 'Authenticator Attestation'}, O=Latchkey Tests, C=SE`,
    issuer: issuer.cert.subject,
    notBefore: o.notBefore ?? new Date(Date.now() - DAY),
    notAfter: o.notAfter ?? new Date(Date.now() + 365 * DAY),
    signingAlgorithm: EC,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions,
  });
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key: KeyObject = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return {
    der: new Uint8Array(cert.rawData),
    alg: COSE[alg],
    sign: (data) => new Uint8Array(nodeSign(alg === 'EdDSA' ? null : 'sha256', data, key)),
  };
}

/** Packed full attestation with x5c = [leaf, ...chain]. */
export function packed(leaf: AttestationKey, chain: TestCa[] = []): SoftAttestation {
  return { fmt: 'packed', alg: leaf.alg, x5c: [leaf.der, ...chain.map((c) => new Uint8Array(c.cert.rawData))], sign: leaf.sign };
}

/** fido-u2f with its single certificate. */
export function fidoU2f(leaf: AttestationKey): SoftAttestation {
  return { fmt: 'fido-u2f', x5c: [leaf.der], sign: leaf.sign };
}
