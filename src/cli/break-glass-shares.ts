/**
 * Break-glass share files (docs/break-glass.md §2.1): one admin's Shamir share of the
 * org recovery private key, with everything needed to tell which ceremony it belongs
 * to and a checksum over all of it, so a damaged or mistyped file is named by its
 * path and admin instead of silently combining into a wrong key.
 *
 * Splitting and combining are shamir-secret-sharing's (GF(2^8), one share = secret
 * length + 1 byte). The combined key is checked against the public key in the files
 * before it is used, so k shares of another ceremony (or a forged one) are refused too.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { combine, split } from 'shamir-secret-sharing';
import { z } from 'zod';
import { canonicalJson } from '../core/vault/canonical';
import { LatchkeyError } from '../shared/errors';
import { tryParseStrictJson } from '../shared/encoding/strict-json';
import { breakGlassAdminNameSchema } from '../shared/policy';
import { breakGlassKeyIdSchema, x25519PublicKeySchema } from '../shared/contracts/break-glass';
import { uuidSchema } from '../shared/contracts/sync';
import { constantTimeEqual, fromBase64url, toBase64url, utf8ToBytes, wipe } from '../core/crypto/bytes';
import { orgRecoveryKeyId } from '../core/vault/slots';

export const SHARE_FORMAT = 'latchkey-break-glass-share';

const shareBody = z.strictObject({
  format: z.literal(SHARE_FORMAT),
  v: z.literal(1),
  orgId: uuidSchema,
  keyId: breakGlassKeyIdSchema,
  publicKey: x25519PublicKeySchema,
  threshold: z.number().int().min(2).max(255),
  admins: z.array(breakGlassAdminNameSchema).min(2).max(255),
  admin: breakGlassAdminNameSchema,
  /** 33 bytes: a share of the 32-byte key (shamir-secret-sharing layout). Key material. */
  share: z.string().regex(/^[A-Za-z0-9_-]{44}$/),
});
const shareFileSchema = shareBody.extend({ check: z.string().regex(/^[0-9a-f]{16}$/) });
type ShareBody = z.infer<typeof shareBody>;

/** check = hex of the first 8 bytes of SHA-256("latchkey break-glass share v1" || 0x00 || JCS(body)). */
function checkOf(body: ShareBody): string {
  const prefix = utf8ToBytes('latchkey break-glass share v1\u0000');
  const jcs = utf8ToBytes(canonicalJson(body));
  const all = new Uint8Array(prefix.length + jcs.length);
  all.set(prefix);
  all.set(jcs, prefix.length);
  return bytesToHex(sha256(all).subarray(0, 8));
}

export interface Ceremony {
  readonly orgId: string;
  readonly keyId: string;
  readonly publicKey: string;
  readonly threshold: number;
  readonly admins: readonly string[];
  /** One file per admin, in the order given. */
  readonly files: readonly string[];
}

/**
 * Makes the org recovery key pair, splits the private key k-of-n and writes each
 * admin's share to `<outDir>/<admin>.share.json` (0600; an existing file is never
 * overwritten). The private key and the shares are wiped before this returns.
 */
export async function runCeremony(o: { orgId: string; threshold: number; admins: readonly string[]; outDir: string }): Promise<Ceremony> {
  if (new Set(o.admins).size !== o.admins.length) throw new LatchkeyError('invalid_input', 'Name each admin once.');
  if (o.admins.length < 2 || o.threshold < 2 || o.threshold > o.admins.length) {
    throw new LatchkeyError('invalid_input', 'The threshold must be at least 2 and at most the number of admins.');
  }
  for (const a of o.admins) if (!breakGlassAdminNameSchema.safeParse(a).success) throw new LatchkeyError('invalid_input', `Admin name "${a}": use letters, digits, . _ @ or -.`);
  const sk = x25519.utils.randomSecretKey();
  let shares: Uint8Array[] = [];
  try {
    const pk = x25519.getPublicKey(sk);
    const base: Omit<ShareBody, 'admin' | 'share'> = {
      format: SHARE_FORMAT,
      v: 1,
      orgId: o.orgId,
      keyId: orgRecoveryKeyId(pk),
      publicKey: toBase64url(pk),
      threshold: o.threshold,
      admins: [...o.admins],
    };
    shares = await split(sk, o.admins.length, o.threshold);
    const files: string[] = [];
    for (const [i, admin] of o.admins.entries()) {
      const body: ShareBody = { ...base, admin, share: toBase64url(shares[i]!) };
      const path = join(o.outDir, `${admin}.share.json`);
      try {
        await writeFile(path, JSON.stringify({ ...body, check: checkOf(body) }, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
      } catch (e) {
        throw new LatchkeyError('conflict', (e as NodeJS.ErrnoException).code === 'EEXIST' ? `${path} exists already; choose another --out-dir.` : `Cannot write ${path}.`);
      }
      files.push(path);
    }
    return { orgId: o.orgId, keyId: base.keyId, publicKey: base.publicKey, threshold: o.threshold, admins: [...o.admins], files };
  } finally {
    wipe(sk, ...shares);
  }
}

export interface LoadedShare {
  readonly path: string;
  readonly body: ShareBody;
}

/** Reads and checks one share file; names the file (and its admin when readable) when it is not right. */
export async function readShareFile(path: string): Promise<LoadedShare> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new LatchkeyError('not_found', `Cannot read the share file ${path}.`);
  }
  const parsed = tryParseStrictJson(text);
  const raw = parsed.ok && typeof parsed.value === 'object' && parsed.value !== null ? (parsed.value as Record<string, unknown>) : null;
  const who = typeof raw?.admin === 'string' && breakGlassAdminNameSchema.safeParse(raw.admin).success ? ` (admin ${raw.admin})` : '';
  const file = raw ? shareFileSchema.safeParse(raw) : undefined;
  if (!file?.success) throw new LatchkeyError('invalid_input', `${path}${who} is not a readable break-glass share file: it may be damaged or mistyped.`, { file: path });
  const { check, ...body } = file.data;
  const share = fromBase64url(body.share);
  if (share.length !== 33 || !constantTimeEqual(utf8ToBytes(checkOf(body)), utf8ToBytes(check))) {
    wipe(share);
    throw new LatchkeyError('invalid_input', `${path}${who}: the share's checksum does not match, so it was mistyped or altered; use the admin's original file.`, { file: path });
  }
  wipe(share);
  return { path, body };
}

/**
 * Combines the shares into the org recovery private key (caller wipes it). Refused
 * before anything is combined when the shares are of different ceremonies, repeat an
 * admin, or are fewer than the threshold; refused after when they do not give the
 * ceremony's public key.
 */
export async function combineShares(shares: readonly LoadedShare[], orgId: string): Promise<{ privateKey: Uint8Array; keyId: string; admins: string[] }> {
  const first = shares[0];
  if (!first) throw new LatchkeyError('invalid_input', 'Give the share files with --share (one per admin).');
  for (const s of shares) {
    const b = s.body;
    if (b.orgId !== orgId) throw new LatchkeyError('invalid_input', `${s.path} (admin ${b.admin}) is a share for another organisation.`, { file: s.path });
    if (b.keyId !== first.body.keyId || b.publicKey !== first.body.publicKey || b.threshold !== first.body.threshold) {
      throw new LatchkeyError('invalid_input', `${s.path} (admin ${b.admin}) is from another break-glass ceremony than ${first.path}.`, { file: s.path });
    }
    if (!first.body.admins.includes(b.admin)) throw new LatchkeyError('invalid_input', `${s.path}: ${b.admin} is not one of this ceremony's admins.`, { file: s.path });
  }
  const admins = [...new Set(shares.map((s) => s.body.admin))];
  if (admins.length !== shares.length) throw new LatchkeyError('invalid_input', 'The same admin\u2019s share was given twice; each of the admins gives their own.');
  const k = first.body.threshold;
  if (admins.length < k) {
    throw new LatchkeyError('forbidden', `Break-glass recovery needs the shares of ${k} admins; ${admins.length} given (${admins.join(', ')}). Nothing was changed.`);
  }
  const parts = shares.map((s) => fromBase64url(s.body.share));
  let key: Uint8Array | undefined;
  try {
    key = await combine(parts);
    if (key.length !== 32 || !constantTimeEqual(x25519.getPublicKey(key), fromBase64url(first.body.publicKey))) {
      throw new LatchkeyError('invalid_input', 'These shares do not combine into the organisation recovery key: one of them was altered. Nothing was changed.');
    }
    const privateKey = key;
    key = undefined;
    return { privateKey, keyId: first.body.keyId, admins };
  } catch (e) {
    if (e instanceof LatchkeyError) throw e;
    throw new LatchkeyError('invalid_input', 'These shares cannot be combined (damaged or repeated shares). Nothing was changed.');
  } finally {
    wipe(key, ...parts);
  }
}
