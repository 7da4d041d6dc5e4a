/**
 * The argon2id ceiling (docs/vault-format.md §4.1): 256 MiB, 16 passes, 4 lanes,
 * memory x passes <= 1 GiB. Anything above is refused with a typed 'kdf_too_costly'
 * before the WASM module is even asked for memory — at the slot (integrity, naming
 * it), in the KDF adapter itself, and for new slots.
 */
import { describe, expect, it } from 'vitest';
import { ARGON2ID_LIMITS, checkArgon2idBounds } from '../../../src/core/crypto/kdf';
import { createArgon2Kdf } from '../../../src/core/crypto/kdf.argon2';
import { expectCode, makeHarness, PASSWORD } from './helpers';

const over = [
  { memoryKiB: 4 * 1024 * 1024, iterations: 1, parallelism: 1 },
  { memoryKiB: ARGON2ID_LIMITS.maxMemoryKiB + 1, iterations: 1, parallelism: 1 },
  { memoryKiB: 64 * 1024, iterations: 17, parallelism: 1 },
  { memoryKiB: 64 * 1024, iterations: 3, parallelism: 5 },
  { memoryKiB: 256 * 1024, iterations: 5, parallelism: 1 },
];

describe('argon2id cost ceiling', () => {
  it('refuses each over-the-ceiling parameter set with kdf_too_costly, and accepts the default and the ceiling', async () => {
    for (const p of over) await expectCode(() => checkArgon2idBounds(p), 'kdf_too_costly');
    checkArgon2idBounds({ memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 });
    checkArgon2idBounds({ memoryKiB: 256 * 1024, iterations: 4, parallelism: 4 });
  });

  it('the KDF adapter refuses before it loads or allocates anything', async () => {
    let loads = 0;
    const kdf = createArgon2Kdf(async () => {
      loads++;
      throw new Error('must not be reached');
    });
    for (const p of over) await expectCode(kdf.argon2id({ ...p, password: new Uint8Array(8), salt: new Uint8Array(16), hashLength: 32 }), 'kdf_too_costly');
    expect(loads).toBe(0);
  });

  it('a new password slot over the ceiling is refused (typed), and no vault is made', async () => {
    const h = makeHarness({ extra: { passwordKdf: { memoryKiB: 512 * 1024, iterations: 1, parallelism: 1 } } });
    await expectCode(h.engine.createVault(PASSWORD), 'kdf_too_costly');
    expect((await h.engine.status()).state).toBe('no_vault');
  });
});
