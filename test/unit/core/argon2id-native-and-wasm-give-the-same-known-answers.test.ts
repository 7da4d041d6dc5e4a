/**
 * argon2id through node:crypto (where the runtime has `crypto.argon2`, Node ≥ 24.7)
 * and through the argon2-browser WASM gives the RFC 9106 answer and the same output
 * for the same input, so a slot made under one opens under the other. In a Node
 * without the native argon2 the native half is skipped, and the reason is printed.
 */
import { bytesToHex } from '@noble/ciphers/utils.js';
import { describe, expect, it } from 'vitest';
import type { Argon2idInput } from '../../../src/core/crypto/kdf';
import { createNativeArgon2Kdf, createNodeArgon2Kdf, createWasmArgon2Kdf, nodeArgon2Implementation } from '../../../src/node/kdf.argon2.node.js';

const fill = (n: number, b: number) => new Uint8Array(n).fill(b);
// RFC 9106 §5.3: P=32x01, S=16x02, K=8x03, X=12x04, m=32, t=3, p=4, tag 32 bytes.
const RFC: Argon2idInput = {
  password: fill(32, 1),
  salt: fill(16, 2),
  secret: fill(8, 3),
  associatedData: fill(12, 4),
  memoryKiB: 32,
  iterations: 3,
  parallelism: 4,
  hashLength: 32,
};
const RFC_TAG = '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659';
// Inputs as slots use them (no K, no X), across lanes, lengths and a memory that is not a multiple of 4p.
const CASES: Argon2idInput[] = [
  { password: new TextEncoder().encode('correct horse battery staple'), salt: fill(16, 9), memoryKiB: 64, iterations: 1, parallelism: 1, hashLength: 32 },
  { password: new TextEncoder().encode('pässwörd NFC'), salt: fill(16, 0xa5), memoryKiB: 1024, iterations: 2, parallelism: 2, hashLength: 32 },
  { password: new Uint8Array(0), salt: fill(8, 1), memoryKiB: 70, iterations: 3, parallelism: 3, hashLength: 64 },
];

const native = createNativeArgon2Kdf();
const reason = `node:crypto has no argon2 in Node ${process.version} (crypto.argon2 arrived in Node 24.7): only the WASM half runs here`;
if (!native) console.info(`argon2id native half skipped: ${reason}`);

describe('argon2id, WASM and native', () => {
  it('the WASM path gives the RFC 9106 §5.3 tag', async () => {
    expect(bytesToHex(await createWasmArgon2Kdf().argon2id(RFC))).toBe(RFC_TAG);
  });

  it.skipIf(!native)(`the native path gives the RFC 9106 §5.3 tag${native ? '' : ` — skipped: ${reason}`}`, async () => {
    expect(bytesToHex(await native!.argon2id(RFC))).toBe(RFC_TAG);
  });

  it.skipIf(!native)(`native and WASM agree on slot-like inputs${native ? '' : ` — skipped: ${reason}`}`, async () => {
    const wasm = createWasmArgon2Kdf();
    for (const c of CASES) expect(bytesToHex(await native!.argon2id(c))).toBe(bytesToHex(await wasm.argon2id(c)));
  });

  it('the engine adapter uses the native path exactly when the runtime has it, and refuses costs over the ceiling on either', async () => {
    const has = typeof ((await import('node:crypto')) as Record<string, unknown>).argon2 === 'function';
    expect(nodeArgon2Implementation()).toBe(has ? 'node:crypto' : 'wasm');
    expect(bytesToHex(await createNodeArgon2Kdf().argon2id(RFC))).toBe(RFC_TAG);
    const over = { ...CASES[0]!, memoryKiB: 512 * 1024 };
    for (const k of [createWasmArgon2Kdf(), ...(native ? [native] : [])]) await expect(k.argon2id(over)).rejects.toMatchObject({ code: 'kdf_too_costly' });
  });
});
