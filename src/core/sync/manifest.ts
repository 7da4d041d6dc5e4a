/**
 * Vault manifest (sync protocol v1, docs/sync-protocol.md "Manifest"): a device's
 * signed statement "after change `seq`, this person's records are exactly these ids at
 * these versions". Clients remember the newest manifest they have seen and refuse a
 * server whose state is older than it or lacks what it lists (rollback or fork).
 *
 * Signed bytes: UTF-8 "latchkey/vault-manifest/v1" || 0x00 || JCS(manifest) (RFC 8785).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { LatchkeyError } from '../../shared/errors';
import { vaultManifestSchema, type SignedManifest, type VaultManifest } from '../../shared/contracts/sync';
import { concatBytes, fromBase64url, toBase64url, utf8ToBytes } from '../crypto/bytes';
import { jcsBytes } from '../audit/jcs';

export const MANIFEST_SIGNATURE_CONTEXT = 'latchkey/vault-manifest/v1';

/** Signs with the device's Ed25519 key (same shape as the audit signer). */
export interface DeviceSigner {
  /** 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export function manifestSigningBytes(m: VaultManifest): Uint8Array {
  const { v, orgId, userId, deviceId, seq, time, entries } = m;
  return concatBytes(utf8ToBytes(MANIFEST_SIGNATURE_CONTEXT), new Uint8Array([0]), jcsBytes({ v, orgId, userId, deviceId, seq, time, entries }));
}

/** Builds and signs a manifest; `entries` need not be sorted (they are sorted here). */
export async function signManifest(
  fields: Omit<VaultManifest, 'v' | 'entries'> & { entries: Iterable<readonly [string, number]> },
  signer: DeviceSigner,
): Promise<SignedManifest> {
  const entries = [...fields.entries].map(([id, version]) => [id, version] as [string, number]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const manifest = vaultManifestSchema.parse({ v: 1, orgId: fields.orgId, userId: fields.userId, deviceId: fields.deviceId, seq: fields.seq, time: fields.time, entries });
  const signature = await signer.sign(manifestSigningBytes(manifest));
  return { manifest, signature: toBase64url(signature) };
}

export function verifyManifestSignature(signed: SignedManifest, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(fromBase64url(signed.signature), manifestSigningBytes(signed.manifest), publicKey, { zip215: false });
  } catch {
    return false;
  }
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
