/** argon2d exists only to open KeePass files; it must still be exactly RFC 9106's. */
import { argon2d } from 'hash-wasm';
import { expect, test } from 'vitest';
import { createNodeArgon2Kdf, createWasmArgon2Kdf } from '../../../src/node/kdf.argon2.node';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('RFC 9106 §5.1 argon2d test vector, through both Node Kdf paths', async () => {
  const input = {
    password: new Uint8Array(32).fill(1),
    salt: new Uint8Array(16).fill(2),
    secret: new Uint8Array(8).fill(3),
    associatedData: new Uint8Array(12).fill(4),
    memoryKiB: 32,
    iterations: 3,
    parallelism: 4,
    hashLength: 32,
  };
  for (const kdf of [createNodeArgon2Kdf(), createWasmArgon2Kdf()]) {
    expect(hex(await kdf.argon2d!(input))).toBe('512b391b6f1162975371d30919734294f868e3be3984f3c1a13a4db9fabe4acb');
  }
});

test('agrees with hash-wasm on KeePass-like parameters, and keeps the cost ceiling', async () => {
  const password = new TextEncoder().encode('correct horse');
  const salt = new Uint8Array(32).fill(7);
  const ours = await createNodeArgon2Kdf().argon2d!({ password, salt, memoryKiB: 1024, iterations: 2, parallelism: 2, hashLength: 32 });
  const theirs = await argon2d({ password, salt, memorySize: 1024, iterations: 2, parallelism: 2, hashLength: 32, outputType: 'binary' });
  expect(hex(ours)).toBe(hex(theirs));
  await expect(createNodeArgon2Kdf().argon2d!({ password, salt, memoryKiB: 1024 * 1024, iterations: 2, parallelism: 1, hashLength: 32 })).rejects.toMatchObject({
    code: 'kdf_too_costly',
  });
});
