/**
 * KeePassXC anchor: a KDBX 4 file with the same entry count and the same argon2id
 * cost as a Latchkey vault, written with kdbxweb (keepassxc-cli cannot set KDF
 * parameters: `import`/`db-create` only take a target decryption time), opened with
 * Debian's keepassxc-cli. kdbxweb's KDF is hash-wasm's argon2id.
 */
import { execFile, execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { argon2d, argon2id } from 'hash-wasm';
import { createRequire } from 'node:module';

// The ESM build flattens the namespace; the CommonJS entry has the documented one.
const kdbxweb = createRequire(import.meta.url)('kdbxweb') as typeof import('kdbxweb');

export function keepassxcVersion(): string | undefined {
  try {
    return execFileSync('keepassxc-cli', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

kdbxweb.CryptoEngine.setArgon2Impl(async (password, salt, memory, iterations, length, parallelism, type) => {
  const fn = type === kdbxweb.CryptoEngine.Argon2TypeArgon2id ? argon2id : argon2d;
  const out = await fn({ password: new Uint8Array(password), salt: new Uint8Array(salt), memorySize: memory, iterations, parallelism, hashLength: length, outputType: 'binary' });
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
});

export interface KdbxEntry {
  title: string;
  username: string;
  password: string;
  url: string;
  notes: string;
}

export async function writeKdbx(path: string, password: string, kdf: { memoryKiB: number; iterations: number; parallelism: number }, entries: Iterable<KdbxEntry>): Promise<void> {
  const db = kdbxweb.Kdbx.create(new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(password)), 'bench');
  db.setKdf(kdbxweb.Consts.KdfId.Argon2id);
  const p = db.header.kdfParameters!;
  p.set('M', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(kdf.memoryKiB * 1024));
  p.set('I', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(kdf.iterations));
  p.set('P', kdbxweb.VarDictionary.ValueType.UInt32, kdf.parallelism);
  const group = db.getDefaultGroup();
  for (const e of entries) {
    const x = db.createEntry(group);
    x.fields.set('Title', e.title);
    x.fields.set('UserName', e.username);
    x.fields.set('Password', kdbxweb.ProtectedValue.fromString(e.password));
    x.fields.set('URL', e.url);
    x.fields.set('Notes', e.notes);
  }
  await writeFile(path, new Uint8Array(await db.save()));
}

/** keepassxc-cli opens the file (KDF + decrypt + parse) and lists the root group's entries; resolves with the line count. */
export function keepassxcList(path: string, password: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = execFile('keepassxc-cli', ['ls', '-q', path], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      if (err) reject(new Error(`keepassxc-cli ls failed: ${err.message}`));
      else resolve(stdout.split('\n').filter(Boolean).length);
    });
    child.stdin!.end(`${password}\n`);
  });
}
