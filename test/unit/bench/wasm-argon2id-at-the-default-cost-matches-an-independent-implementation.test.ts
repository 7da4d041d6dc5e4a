/**
 * Issue 15 item 4: Node 20 has no crypto.argon2 (added in a later Node), so the
 * engine keeps argon2-browser's WASM. This pins its output for the DEFAULT vault
 * parameters to an independent implementation (hash-wasm's argon2id), so a later
 * switch to node:crypto's argon2 can be checked against the same answers.
 */
import { argon2id as hashWasmArgon2id } from 'hash-wasm';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ARGON2ID } from '../../../src/core/crypto/kdf';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';

describe('argon2id known answers across implementations', () => {
  it('argon2-browser (our Node adapter) and hash-wasm agree at m=64 MiB t=3 p=1 and at a small cost', async () => {
    const kdf = createNodeArgon2Kdf();
    const password = new TextEncoder().encode('correct horse battery staple');
    const salt = new Uint8Array(16).map((_, i) => i * 17 + 3);
    for (const p of [DEFAULT_ARGON2ID, { memoryKiB: 64, iterations: 1, parallelism: 1 }]) {
      const ours = await kdf.argon2id({ ...p, password, salt, hashLength: 32 });
      const theirs = await hashWasmArgon2id({
        password,
        salt,
        parallelism: p.parallelism,
        iterations: p.iterations,
        memorySize: p.memoryKiB,
        hashLength: 32,
        outputType: 'binary',
      });
      expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
    }
  });
});
