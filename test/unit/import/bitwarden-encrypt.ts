/**
 * An independent writer of Bitwarden's password-protected export (node:crypto and
 * hash-wasm, not the importer's @noble code), following Bitwarden's documentation:
 * PBKDF2-SHA256 or argon2id over SHA-256(salt) → HKDF-Expand "enc"/"mac" → EncString
 * "2.iv|ct|mac" with AES-256-CBC and HMAC-SHA256(iv || ct).
 */
import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { argon2id } from 'hash-wasm';

function expand(prk: Buffer, info: string): Buffer {
  // One block of HKDF-Expand (RFC 5869): T(1) = HMAC(PRK, info || 0x01), 32 bytes.
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from(info), Buffer.from([1])]))
    .digest();
}

function encString(encKey: Buffer, macKey: Buffer, text: string): string {
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', encKey, iv);
  const ct = Buffer.concat([c.update(text, 'utf8'), c.final()]);
  const mac = createHmac('sha256', macKey)
    .update(Buffer.concat([iv, ct]))
    .digest();
  return `2.${iv.toString('base64')}|${ct.toString('base64')}|${mac.toString('base64')}`;
}

export async function encryptBitwardenExport(
  plainJson: string,
  password: string,
  kdf: { type: 0; iterations: number } | { type: 1; iterations: number; memoryMiB: number; parallelism: number },
): Promise<string> {
  const salt = randomBytes(16).toString('base64');
  let key: Buffer;
  if (kdf.type === 0) key = pbkdf2Sync(password, salt, kdf.iterations, 32, 'sha256');
  else {
    const saltHash = createHash('sha256').update(salt, 'utf8').digest();
    key = Buffer.from(
      await argon2id({
        password,
        salt: saltHash,
        iterations: kdf.iterations,
        memorySize: kdf.memoryMiB * 1024,
        parallelism: kdf.parallelism,
        hashLength: 32,
        outputType: 'binary',
      }),
    );
  }
  const encKey = expand(key, 'enc');
  const macKey = expand(key, 'mac');
  return JSON.stringify({
    encrypted: true,
    passwordProtected: true,
    salt,
    kdfType: kdf.type,
    kdfIterations: kdf.iterations,
    ...(kdf.type === 1 ? { kdfMemory: kdf.memoryMiB, kdfParallelism: kdf.parallelism } : {}),
    encKeyValidation_DO_NOT_EDIT: encString(encKey, macKey, randomBytes(16).toString('hex')),
    data: encString(encKey, macKey, plainJson),
  });
}
