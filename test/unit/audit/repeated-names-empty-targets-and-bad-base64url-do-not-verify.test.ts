/**
 * Strict parsing of the signed audit export, the same in the engine and the CLI
 * (`latchkey audit verify`, a real process): a line with a repeated member name does
 * not verify (no last-value-wins), `"target":{}` — which docs/audit-format.md says is
 * written as no target — does not verify even when hashed and signed that way, and a
 * key file with impossible base64url is refused.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  GENESIS_PREV_HASH,
  computeRecordHashHex,
  createEd25519Signer,
  parseJsonLines,
  recordSignatureInput,
  recordsToJsonLines,
  verifyAuditExport,
  type AuditRecord,
} from '../../../src/core/audit';
import { toBase64url } from '../../../src/core/crypto/bytes';
import { makeDevice } from './fixtures';

const ROOT = join(import.meta.dirname, '../../..');
const SLOW = 180_000;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-strict-audit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(join(ROOT, 'node_modules/.bin/tsx'), ['src/cli/index.ts', 'audit', ...args], { cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}
async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

const a = makeDevice('device-a', 31);
const keysText = (key = bytesToHex(a.publicKey)) => JSON.stringify({ devices: { 'device-a': key } });
const use = await a.log.append({
  action: 'credential.use',
  actor: { type: 'agent', id: 'claude-desktop' },
  target: { itemId: 'AAAAAAAAAAAAAAAAAAAAAA', origin: 'https://api.example.com' },
  outcome: 'success',
});
const honest = recordsToJsonLines([use]);
// What a reader that keeps the FIRST value sees is "denied"; JSON.parse would keep "success" and verify it.
const repeated = honest.replace('"outcome":"success"', '"outcome":"denied","outcome":"success"');

/** A record with `"target":{}` whose hash and signature are computed over exactly that. */
async function signedWithEmptyTarget(): Promise<AuditRecord> {
  const d = makeDevice('device-e', 32);
  const unsigned = {
    v: 1 as const,
    seq: 1,
    time: '2026-01-02T03:04:05.678Z',
    device: 'device-e',
    action: 'vault.lock' as const,
    actor: { type: 'system' as const },
    target: {},
    outcome: 'success' as const,
    prevHash: GENESIS_PREV_HASH,
  };
  const hash = computeRecordHashHex(unsigned);
  const sig = await createEd25519Signer(d.secretKey).sign(recordSignatureInput(hexToBytes(hash)));
  return { ...unsigned, hash, sig: bytesToHex(sig) };
}

describe('strict parsing of the audit export', () => {
  it('the engine refuses a line with a repeated member name and verifies the honest one', () => {
    expect(JSON.parse(repeated.trim())).toMatchObject({ outcome: 'success' }); // what the loose parser did
    const bad = parseJsonLines(repeated);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/Line 1: .*"outcome" appears twice/);
    const good = parseJsonLines(honest);
    expect(good.ok && verifyAuditExport(good.values, { deviceKeys: new Map([['device-a', a.publicKey]]) }).ok).toBe(true);
  });

  it('the engine refuses "target":{} even when the hash and signature cover it', async () => {
    const r = await signedWithEmptyTarget();
    const d = makeDevice('device-e', 32);
    const check = verifyAuditExport([r], { deviceKeys: new Map([['device-e', d.publicKey]]) });
    expect(check.ok).toBe(false);
    // Without the empty target the same device's record would have passed the shape check.
    expect(!check.ok && check.kind === 'record' && check.index).toBe(0);
  });

  it('latchkey audit verify refuses the repeated name, the empty target and an impossible base64url key', { timeout: SLOW }, async () => {
    const d = makeDevice('device-e', 32);
    const empty = await signedWithEmptyTarget();
    const [ok, dup, tgt, key1, key2] = await Promise.all([
      cli(['verify', await file('honest.jsonl', honest), '--pubkeys', await file('k.json', keysText())]),
      cli(['verify', await file('dup.jsonl', repeated), '--pubkeys', await file('k2.json', keysText())]),
      cli([
        'verify',
        await file('empty.jsonl', recordsToJsonLines([empty])),
        '--pubkeys',
        await file('k3.json', JSON.stringify({ devices: { 'device-e': bytesToHex(d.publicKey) } })),
      ]),
      // 43 base64url characters whose last one carries non-zero unused bits: not a canonical 32-byte key.
      cli(['verify', await file('h2.jsonl', honest), '--pubkeys', await file('k4.json', keysText(toBase64url(a.publicKey).slice(0, 42) + 'B'))]),
      cli(['verify', await file('h3.jsonl', honest), '--pubkeys', await file('k5.json', '{"devices":{"device-a":"x"},"devices":{}}')]),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(dup.code).not.toBe(0);
    expect(dup.stdout + dup.stderr).toMatch(/"outcome" appears twice/);
    expect(tgt.code).not.toBe(0);
    expect(tgt.stdout + tgt.stderr).toMatch(/target/);
    expect(key1.code).not.toBe(0);
    expect(key2.code).not.toBe(0);
    expect(key2.stdout + key2.stderr).toMatch(/"devices" appears twice/);
  });
});
