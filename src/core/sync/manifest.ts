/**
 * Vault manifest v2 (docs/sync-protocol.md §5): a device's signed statement "after
 * change `seq`, this person's records are exactly these ids at these versions, and the
 * manifest before this one was `prev`". The `prev` links make the manifests one chain:
 * a device accepts only a manifest that extends the one it verified last, so a server
 * that shows two devices different histories (a fork) is caught as soon as either
 * device sees the other's chain.
 *
 * Signed bytes: UTF-8 "latchkey/vault-manifest/v2" || 0x00 || JCS(header), where the
 * header is the manifest with `entries` replaced by `entriesSha256` = hex SHA-256 of
 * JCS(entries). The manifest's hash (what the next one names as `prev`) is hex SHA-256
 * of those signed bytes.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { LatchkeyError } from '../../shared/errors';
import {
  MANIFEST_VERSION,
  manifestHeaderSchema,
  vaultManifestSchema,
  type ManifestHeader,
  type ManifestLink,
  type SignedManifest,
  type VaultManifest,
} from '../../shared/contracts/sync';
import { concatBytes, fromBase64url, toBase64url, utf8ToBytes } from '../crypto/bytes';
import { jcsBytes } from '../audit/jcs';

export const MANIFEST_SIGNATURE_CONTEXT = 'latchkey/vault-manifest/v2';

/** Signs with the device's Ed25519 key (same shape as the audit signer). */
export interface DeviceSigner {
  /** 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export function manifestHeader(m: VaultManifest): ManifestHeader {
  const { v, orgId, userId, deviceId, seq, time, prev, entries } = m;
  return { v, orgId, userId, deviceId, seq, time, prev, entriesSha256: bytesToHex(sha256(jcsBytes(entries))) };
}

export function headerSigningBytes(h: ManifestHeader): Uint8Array {
  const { v, orgId, userId, deviceId, seq, time, prev, entriesSha256 } = h;
  return concatBytes(utf8ToBytes(MANIFEST_SIGNATURE_CONTEXT), new Uint8Array([0]), jcsBytes({ v, orgId, userId, deviceId, seq, time, prev, entriesSha256 }));
}

export function manifestSigningBytes(m: VaultManifest): Uint8Array {
  return headerSigningBytes(manifestHeader(m));
}

/** The manifest's identity in the chain: hex SHA-256 of its signed bytes. */
export function headerHash(h: ManifestHeader): string {
  return bytesToHex(sha256(headerSigningBytes(h)));
}

export function manifestHash(m: VaultManifest): string {
  return headerHash(manifestHeader(m));
}

/** Builds and signs a manifest; `entries` need not be sorted (they are sorted here). */
export async function signManifest(
  fields: Omit<VaultManifest, 'v' | 'entries' | 'prev'> & { prev?: string; entries: Iterable<readonly [string, number]> },
  signer: DeviceSigner,
): Promise<SignedManifest> {
  const entries = [...fields.entries].map(([id, version]) => [id, version] as [string, number]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const manifest = vaultManifestSchema.parse({
    v: MANIFEST_VERSION,
    orgId: fields.orgId,
    userId: fields.userId,
    deviceId: fields.deviceId,
    seq: fields.seq,
    time: fields.time,
    prev: fields.prev ?? '',
    entries,
  });
  const signature = await signer.sign(manifestSigningBytes(manifest));
  return { manifest, signature: toBase64url(signature) };
}

function verifyBytes(signature: string, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(fromBase64url(signature), message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

export function verifyManifestSignature(signed: SignedManifest, publicKey: Uint8Array): boolean {
  return verifyBytes(signed.signature, manifestSigningBytes(signed.manifest), publicKey);
}

export function verifyLinkSignature(link: ManifestLink, publicKey: Uint8Array): boolean {
  const parsed = manifestHeaderSchema.safeParse(link.header);
  return parsed.success && verifyBytes(link.signature, headerSigningBytes(parsed.data), publicKey);
}

/**
 * Checks a server-provided state against a verified manifest: every record the
 * manifest lists must be known at that version or newer. `seenVersion` is the newest
 * version of each record this client has received from the server.
 */
export function checkStateCoversManifest(manifest: VaultManifest, seenVersion: (id: string) => number | undefined): void {
  for (const [id, version] of manifest.entries) {
    const seen = seenVersion(id) ?? 0;
    if (seen < version) {
      throw new LatchkeyError(
        'rollback_detected',
        `The server's copy of your vault is older than one a device of yours signed (record ${id} is at version ${seen}, the manifest says ${version}). It may have been rolled back or forked; your local data was not changed. Tell your administrator.`,
        { recordId: id, seen, expected: version, manifestSeq: manifest.seq },
      );
    }
  }
}

/**
 * The other direction: every record this device pushed (or pulled) and the server
 * acknowledged at change `seenSeq` ≤ the manifest's seq must be listed at that version
 * or newer. A record missing means the server dropped it and another device signed a
 * vault without it: a fork.
 */
export function checkManifestCoversAcknowledged(manifest: VaultManifest, acknowledged: ReadonlyMap<string, { readonly version: number; readonly seq: number }>): void {
  const listed = new Map(manifest.entries.map(([id, v]) => [id, v] as const));
  for (const [id, ack] of acknowledged) {
    if (ack.seq > manifest.seq) continue;
    const v = listed.get(id);
    if (v === undefined || v < ack.version) {
      throw new LatchkeyError(
        'fork_detected',
        `The server acknowledged record ${id} (version ${ack.version}, change ${ack.seq}) from this device, but the vault manifest a device of yours signed at change ${manifest.seq} ${v === undefined ? 'does not list it' : `lists it at version ${v}`}. The server dropped it or showed that device a different history. Nothing local was changed; keep this device's copy and tell your administrator.`,
        { recordId: id, version: ack.version, manifestSeq: manifest.seq, signer: manifest.deviceId },
      );
    }
  }
}
