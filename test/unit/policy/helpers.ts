/** Shared fixtures for policy tests: deterministic org keys, signing, temp dirs. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { expect } from 'vitest';
import path from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { buildEffectivePolicy, canonicalPolicyBytes, generateOrgKeyPair, parseOrgPublicKey, signPolicy, type PinnedOrgKey } from '../../../src/core/policy';
import { toBase64url } from '../../../src/core/policy/base64url';
import type { EffectivePolicy, PersonalSettings, Policy } from '../../../src/shared/policy';

export const orgKeys = generateOrgKeyPair(new Uint8Array(32).fill(7));
export const otherKeys = generateOrgKeyPair(new Uint8Array(32).fill(9));
export const pinned: PinnedOrgKey = parseOrgPublicKey(JSON.stringify(orgKeys.publicKey), 'org.pub')!;

export const basePolicy: Policy = { version: 1, org: { name: 'Acme Corp', serverUrl: 'https://latchkey.acme.test' } };

export function signedText(policy: unknown, keys = orgKeys): string {
  return JSON.stringify(signPolicy(policy, keys.signingKey));
}

/** An effective policy from one managed layer (as if read from the OS location). */
export function managed(extra: Partial<Policy>, personal?: PersonalSettings): EffectivePolicy {
  return buildEffectivePolicy([{ policy: { ...basePolicy, ...extra }, source: 'os', path: '/etc/latchkey/policy.json' }], personal, pinned.keyId);
}

export interface TempDirs {
  root: string;
  managedDir: string;
  osDir: string;
  osPolicyPath: string;
  cleanup(): Promise<void>;
}

/** A managed-resources dir with the pinned key, and an (empty) OS policy dir. */
export async function tempDirs(pinKey = true): Promise<TempDirs> {
  const root = await mkdtemp(path.join(tmpdir(), 'lk-policy-'));
  const managedDir = path.join(root, 'managed');
  const osDir = path.join(root, 'etc-latchkey');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(managedDir);
  await mkdir(osDir);
  if (pinKey) await writeFile(path.join(managedDir, 'org-policy-key'), JSON.stringify(orgKeys.publicKey));
  return { root, managedDir, osDir, osPolicyPath: path.join(osDir, 'policy.json'), cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Expects `fn` to throw a LatchkeyError with `code` and returns it. */
export function caught(fn: () => unknown): { code: string; message: string; details?: Record<string, unknown> } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; message: string; details?: Record<string, unknown> };
  }
  throw new Error('expected a throw');
}

/** Expects `fn` to be refused by the policy rule `rule`, with a message naming the org (Acme Corp). */
export function forbidden(fn: () => unknown, rule: string): ReturnType<typeof caught> {
  const err = caught(fn);
  expect(err.code).toBe('policy_forbidden');
  expect(err.details?.rule).toBe(rule);
  expect(err.message).toContain('Acme Corp');
  return err;
}

/** Signs ANY JSON with an org key, bypassing signPolicy's schema check (a newer or buggy signer). */
export function signRaw(policy: unknown, keys = orgKeys): string {
  const secret = Buffer.from(keys.signingKey.secretKey, 'base64url');
  const signature = toBase64url(ed25519.sign(canonicalPolicyBytes(policy), secret));
  return JSON.stringify({ policy, keyId: keys.signingKey.keyId, signature });
}
