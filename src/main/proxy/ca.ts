/**
 * The per-device proxy CA (docs/threat-model.md "The per-device proxy CA"). An ECDSA
 * P-256 key and a self-signed CA certificate, made on first use and kept in the OS
 * keychain (account `proxy-ca.v1`); the certificate is handed only to the children of
 * `latchkey run` / `run_command`, never installed in a system trust store.
 *
 * The private key is imported non-extractable for each process that signs with it, so
 * it exists in the clear only in the keychain's answer and WebCrypto's key object.
 */
import { KeyObject, webcrypto } from 'node:crypto';
// @peculiar/x509's dependency tsyringe needs the Reflect metadata API at load time.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { z } from 'zod';
import { LatchkeyError } from '../../shared/errors';
import type { Keychain } from '../keychain/keychain';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const CA_ACCOUNT = 'proxy-ca.v1';
export const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** A CA is used for at most this long, and replaced this long before it expires. */
export const CA_LIFETIME_DAYS = 365;
export const CA_RENEW_BEFORE_DAYS = 30;

const storedCaSchema = z.strictObject({
  v: z.literal(1),
  /** DER certificate, base64. */
  cert: z.string().max(8192),
  /** PKCS#8 private key, base64. */
  key: z.string().max(4096),
});

export interface DeviceCa {
  readonly cert: x509.X509Certificate;
  readonly certPem: string;
  readonly key: CryptoKey;
}

async function createCa(now: number): Promise<{ ca: DeviceCa; stored: string }> {
  const keys = await webcrypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify']);
  const tag = Buffer.from(webcrypto.getRandomValues(new Uint8Array(6))).toString('hex');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=Latchkey per-device proxy CA ${tag}, O=Latchkey`,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + CA_LIFETIME_DAYS * DAY_MS),
    signingAlgorithm: EC_ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyB64 = pkcs8.toString('base64');
  pkcs8.fill(0);
  const stored = JSON.stringify({ v: 1, cert: Buffer.from(cert.rawData).toString('base64'), key: keyB64 });
  const key = await importKey(keyB64);
  return { ca: { cert, certPem: cert.toString('pem'), key }, stored };
}

async function importKey(b64: string): Promise<CryptoKey> {
  const der = Buffer.from(b64, 'base64');
  try {
    return await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  } finally {
    der.fill(0);
  }
}

/** The stored CA if it is sound and not due for renewal; otherwise a new one, stored first. */
export async function loadOrCreateDeviceCa(keychain: Keychain, now = Date.now()): Promise<DeviceCa> {
  const raw = await keychain.get(CA_ACCOUNT);
  if (raw !== null) {
    const existing = await parseStored(raw, now);
    if (existing) return existing;
  }
  return rotateDeviceCa(keychain, now);
}

/** Replaces the CA (a new key and certificate): children of later runs trust only the new one. */
export async function rotateDeviceCa(keychain: Keychain, now = Date.now()): Promise<DeviceCa> {
  const { ca, stored } = await createCa(now);
  try {
    await keychain.set(CA_ACCOUNT, stored);
  } catch {
    throw new LatchkeyError('internal', 'The proxy certificate authority could not be saved in the OS keychain; commands cannot run in proxy mode.');
  }
  return ca;
}

async function parseStored(raw: string, now: number): Promise<DeviceCa | null> {
  try {
    const s = storedCaSchema.parse(JSON.parse(raw));
    const cert = new x509.X509Certificate(Buffer.from(s.cert, 'base64'));
    if (cert.notAfter.getTime() - now < CA_RENEW_BEFORE_DAYS * DAY_MS || cert.notBefore.getTime() > now) return null;
    const key = await importKey(s.key);
    // The key must be the certificate's: sign and verify one message.
    const probe = new Uint8Array(32);
    const sig = await webcrypto.subtle.sign(EC_ALG, key, probe);
    if (!(await webcrypto.subtle.verify(EC_ALG, await cert.publicKey.export(EC_ALG, ['verify']), sig, probe))) return null;
    return { cert, certPem: cert.toString('pem'), key };
  } catch {
    // Damaged or foreign: replaced, never trusted.
    return null;
  }
}

/** PEM PKCS#8 of a WebCrypto private key, for node:tls. */
export function privateKeyPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ format: 'pem', type: 'pkcs8' }).toString();
}
