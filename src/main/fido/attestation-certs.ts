/**
 * X.509 for attestation (WebAuthn §8.2.1, §8.6), all through @peculiar/x509: parse the
 * policy's pinned roots and the statement's x5c, check an attestation certificate's
 * required fields, read its AAGUID extension, and verify the path from the leaf to a
 * pinned root at a given time. A device's certificates are untrusted input: anything
 * that fails to parse is a typed refusal, never an exception from the parser.
 */
import { createPublicKey, webcrypto, X509Certificate as OpenSslCertificate, type KeyObject } from 'node:crypto';
// @peculiar/x509's dependency tsyringe needs the Reflect metadata API at load time.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { LatchkeyError } from '../../shared/errors';
import { AttestationRefused } from './attestation-error';

/** id-fido-gen-ce-aaguid (FIDO Authenticator Metadata / WebAuthn §8.2.1). */
export const FIDO_AAGUID_OID = '1.3.6.1.4.1.45724.1.1.4';
const MAX_CERT_BYTES = 4096;

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** A certificate with its tbsCertificate.version readable (x509 keeps the ASN.1 protected). */
class Certificate extends x509.X509Certificate {
  /** 0 = v1, 1 = v2, 2 = v3 (RFC 5280 §4.1.2.1). */
  get versionNumber(): number {
    return this.asn.tbsCertificate.version;
  }
}
export type { Certificate };

/** Pinned roots from the policy (PEM or bare base64 DER). A root that does not parse is a broken policy. */
export function parseRoots(texts: readonly string[]): Certificate[] {
  return texts.map((text, i) => {
    const b64 = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
    try {
      return new Certificate(Buffer.from(b64, 'base64'));
    } catch (cause) {
      throw new LatchkeyError(
        'policy_invalid',
        `Certificate ${i + 1} of the trusted security key makers in your organisation's policy cannot be read, so no new key can be checked. Ask your IT team.`,
        { rule: 'unlock.attestationRoots', index: i },
        { cause },
      );
    }
  });
}

/** One DER certificate from the key. */
export function parseDeviceCert(der: Uint8Array, org: string): Certificate {
  if (der.length === 0 || der.length > MAX_CERT_BYTES) throw new AttestationRefused('malformed', org);
  try {
    // Two independent parsers must agree. @peculiar/x509 tolerates bytes after the
    // certificate; OpenSSL's re-encoding (node:crypto) stops at its end, so a
    // difference means trailing or non-DER bytes, which a signed structure must not have.
    const c = new Certificate(der.slice());
    if (!new OpenSslCertificate(Buffer.from(der)).raw.equals(Buffer.from(der))) throw new Error('not exactly one DER certificate');
    return c;
  } catch {
    throw new AttestationRefused('malformed', org);
  }
}

/** The certificate's public key for signature checks. */
export function certKey(c: Certificate, org: string): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(c.publicKey.rawData), format: 'der', type: 'spki' });
  } catch {
    throw new AttestationRefused('certificate', org);
  }
}

/**
 * WebAuthn §8.2.1 for a packed attestation certificate: X.509 v3; subject C, O, CN
 * present and an OU "Authenticator Attestation"; Basic Constraints present with
 * CA false; the AAGUID extension, when present, not critical.
 */
export function checkPackedLeaf(c: Certificate, org: string): void {
  const name = c.subjectName;
  const one = (field: string): string[] => {
    try {
      return name.getField(field);
    } catch {
      return [];
    }
  };
  const ok =
    c.versionNumber === 2 &&
    one('C').length > 0 &&
    one('O').length > 0 &&
    one('CN').length > 0 &&
    one('OU').includes('Authenticator Attestation') &&
    basicConstraints(c)?.ca === false &&
    c.getExtension(FIDO_AAGUID_OID)?.critical !== true;
  if (!ok) throw new AttestationRefused('certificate', org);
}

function basicConstraints(c: x509.X509Certificate): x509.BasicConstraintsExtension | null {
  try {
    return c.getExtension(x509.BasicConstraintsExtension);
  } catch {
    return null;
  }
}

/**
 * The AAGUID the certificate vouches for, or null without the extension. Its value is
 * an OCTET STRING of 16 bytes; DER has exactly one encoding of that (04 10 ‖ AAGUID),
 * so the value is compared with that form instead of being parsed: any other bytes are
 * a malformed extension and refused.
 */
export function certAaguid(c: Certificate, org: string): Uint8Array | null {
  const all = c.extensions.filter((e) => e.type === FIDO_AAGUID_OID);
  if (all.length === 0) return null;
  const v = new Uint8Array(all[0]!.value);
  if (all.length > 1 || v.length !== 18 || v[0] !== 0x04 || v[1] !== 0x10) throw new AttestationRefused('certificate', org);
  return v.slice(2);
}

function sameDer(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  const x = new Uint8Array(a.rawData);
  const y = new Uint8Array(b.rawData);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function validAt(c: x509.X509Certificate, now: Date): boolean {
  return c.notBefore.getTime() <= now.getTime() && now.getTime() <= c.notAfter.getTime();
}

/**
 * Verifies that `leaf` leads to one of `roots` through `intermediates` (the rest of
 * x5c, any order) at `now`: every certificate on the path is within its validity
 * period and signed by the next; every issuer is a CA (Basic Constraints CA true,
 * path length respected, keyCertSign when Key Usage is present). A root the policy
 * pins is trusted as it is — pinning the attestation certificate itself is allowed.
 * Revocation is not checked (no network at enrolment; see docs/hardware-key.md).
 */
export async function verifyPath(leaf: Certificate, intermediates: readonly Certificate[], roots: readonly Certificate[], now: Date, org: string): Promise<void> {
  const untrusted = (): AttestationRefused => new AttestationRefused('untrusted', org);
  let chain: x509.X509Certificate[];
  try {
    // Roots first: the builder takes the first matching issuer, so a pinned one wins.
    chain = [...(await new x509.X509ChainBuilder({ certificates: [...roots, ...intermediates] }).build(leaf))];
  } catch {
    throw untrusted();
  }
  const anchor = chain.findIndex((c) => roots.some((r) => sameDer(r, c)));
  if (anchor < 0) throw untrusted();
  for (let i = 0; i <= anchor; i++) {
    const c = chain[i]!;
    if (!validAt(c, now)) throw untrusted();
    if (i === anchor) break;
    const issuer = chain[i + 1]!;
    const bc = basicConstraints(issuer);
    // Issuers between the leaf and the anchor below `issuer` (non-self-issued intermediates).
    if (!bc?.ca || (bc.pathLength !== undefined && i > bc.pathLength)) throw untrusted();
    const ku = issuer.getExtension(x509.KeyUsagesExtension);
    if (ku && (ku.usages & x509.KeyUsageFlags.keyCertSign) === 0) throw untrusted();
    let signed = false;
    try {
      signed = await c.verify({ publicKey: issuer, signatureOnly: true });
    } catch {
      signed = false;
    }
    if (!signed) throw untrusted();
  }
}
