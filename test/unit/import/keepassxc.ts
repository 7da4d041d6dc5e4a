/**
 * KDBX files made here by Debian's keepassxc-cli (2.7.4). Its `import` writes KDBX 3.1
 * with AES-KDF; for KDBX 4 (Argon2d, Argon2id, AES-KDF) an empty KDBX 4 shell with
 * the chosen KDF is made with kdbxweb and keepassxc-cli `merge`s the entries into it,
 * so every entry, group and field on disk was written by KeePassXC itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as kdbxweb from 'kdbxweb';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node';

export const KEEPASS_XML = join(import.meta.dirname, '../../fixtures/import/keepassxc.xml');

export function keepassxcAvailable(): boolean {
  try {
    execFileSync('keepassxc-cli', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function cli(args: string[], input: string): string {
  return execFileSync('keepassxc-cli', args, { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

export interface Made {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly keyFile?: Uint8Array;
}

/** KDBX 3.1, AES-KDF: keepassxc-cli import of the XML fixture. */
export function kdbx31(password: string, opts: { keyFile?: boolean } = {}): Made & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lk-kx-'));
  const path = join(dir, 'db.kdbx');
  const key = join(dir, 'db.keyx');
  cli(['import', '-q', '-p', '-t', '100', ...(opts.keyFile ? ['--set-key-file', key] : []), KEEPASS_XML, path], `${password}\n${password}\n`);
  return { dir, path, bytes: new Uint8Array(readFileSync(path)), ...(opts.keyFile ? { keyFile: new Uint8Array(readFileSync(key)) } : {}) };
}

/** KDBX 4 with the given KDF (small parameters: tests, not security), entries merged in by keepassxc-cli. */
export async function kdbx4(password: string, kdf: 'argon2d' | 'argon2id' | 'aes', opts: { keyFile?: boolean } = {}): Promise<Made> {
  const source = kdbx31(password, opts);
  const argon = createNodeArgon2Kdf();
  kdbxweb.CryptoEngine.setArgon2Impl(async (pw, salt, memory, iterations, length, parallelism, type) => {
    const input = { password: new Uint8Array(pw), salt: new Uint8Array(salt), memoryKiB: memory, iterations, parallelism, hashLength: length };
    const out = type === 2 ? await argon.argon2id(input) : await argon.argon2d!(input);
    return out.slice().buffer;
  });
  const creds = new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(password), source.keyFile ? source.keyFile.slice().buffer : null);
  await creds.ready;
  const db = kdbxweb.Kdbx.create(creds, 'Shell');
  // The fixture's recycle bin group (merged in below) stays the bin.
  db.meta.recycleBinUuid = new kdbxweb.KdbxUuid('AAAAAAAAAAAAAAAAAAAAAg==');
  db.setVersion(4);
  db.setKdf(kdf === 'aes' ? kdbxweb.Consts.KdfId.Aes : kdf === 'argon2id' ? kdbxweb.Consts.KdfId.Argon2id : kdbxweb.Consts.KdfId.Argon2d);
  const p = db.header.kdfParameters!;
  if (kdf === 'aes') p.set('R', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(10_000));
  else {
    p.set('M', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(1024 * 1024));
    p.set('I', kdbxweb.VarDictionary.ValueType.UInt64, kdbxweb.Int64.from(2));
  }
  const path = join(source.dir, 'shell.kdbx');
  writeFileSync(path, new Uint8Array(await db.save()));
  const keyArgs = source.keyFile ? ['-k', join(source.dir, 'db.keyx'), '--key-file-from', join(source.dir, 'db.keyx')] : [];
  cli(['merge', '-q', '-s', ...keyArgs, path, source.path], `${password}\n`);
  return { path, bytes: new Uint8Array(readFileSync(path)), ...(source.keyFile ? { keyFile: source.keyFile } : {}) };
}
