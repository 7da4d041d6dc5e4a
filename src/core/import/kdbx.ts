/**
 * KeePass KDBX (4, and 3.1 which kdbxweb also reads) through kdbxweb, with argon2d /
 * argon2id from the project's own Kdf (the same WASM the vault's password slots use,
 * so its cost ceiling applies to a file's KDF parameters too). AES-KDF, key files
 * (XML v1/v2, 32 raw bytes, 64 hex, or any file hashed) and password+key-file
 * composites are kdbxweb's. Groups become tags (their path below the root); the
 * recycle bin is skipped; the standard fields map to the login; every other string
 * field becomes a custom field, protected ones concealed; KeePassXC's `otp` (an
 * otpauth URI) or the older `TOTP Seed` becomes the TOTP.
 */
import * as kdbxweb from 'kdbxweb';
import { LatchkeyError } from '../../shared/errors';
import type { Kdf } from '../crypto/kdf';
import { ImportCollector, entryLabel, type SourceField } from './build';
import { importError, type ImportResult } from './types';

const SECRET_NAME = /pass|secret|key|token|pin\b|recovery|code|cvv|otp/i;
const STANDARD = new Set(['Title', 'UserName', 'Password', 'URL', 'Notes', 'otp', 'TOTP Seed', 'TOTP Settings']);

function text(f: kdbxweb.KdbxEntryField | undefined): string | undefined {
  if (f === undefined) return undefined;
  return f instanceof kdbxweb.ProtectedValue ? f.getText() : f;
}

function copyToArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

/** kdbxweb asks for argon2 through one global hook; it is set to this import's Kdf each time. */
function useKdf(kdf: Kdf): void {
  kdbxweb.CryptoEngine.setArgon2Impl(async (password, salt, memory, iterations, length, parallelism, type, version) => {
    if (version !== 0x13) throw new LatchkeyError('unsupported', 'This KeePass file uses Argon2 version 1.0, which is not supported; save it again in KeePassXC.');
    const input = { password: new Uint8Array(password), salt: new Uint8Array(salt), memoryKiB: memory, iterations, parallelism, hashLength: length };
    const fn = type === 2 ? kdf.argon2id.bind(kdf) : kdf.argon2d?.bind(kdf);
    if (!fn) throw new LatchkeyError('unsupported', 'Argon2d is not available in this build, so this KeePass file cannot be opened.');
    const out = await fn(input);
    return copyToArrayBuffer(out);
  });
}

function explain(file: string, e: unknown): LatchkeyError {
  if (e instanceof LatchkeyError) {
    // The Kdf's ceiling, in the words of this file.
    if (e.code === 'kdf_too_costly')
      return new LatchkeyError(
        'kdf_too_costly',
        `Cannot import ${file}: ${e.message} Lower its key-derivation settings in KeePassXC (Database Settings › Security) and save again.`,
        { file },
      );
    return e;
  }
  if (e instanceof kdbxweb.KdbxError) {
    switch (e.code) {
      case kdbxweb.Consts.ErrorCodes.InvalidKey:
        return new LatchkeyError('wrong_password', 'That password or key file does not open this KeePass database (or the file is damaged).', { file });
      case kdbxweb.Consts.ErrorCodes.BadSignature:
        return importError(file, null, 'it is not a KeePass database (KDBX).');
      case kdbxweb.Consts.ErrorCodes.InvalidVersion:
        return importError(file, null, 'its KDBX version is not supported (KDBX 3.1 and 4 are).');
      case kdbxweb.Consts.ErrorCodes.Unsupported:
        return importError(file, null, 'it uses a cipher or key derivation that is not supported.');
      default:
        return importError(file, null, 'it is damaged or truncated.');
    }
  }
  return importError(file, null, 'it is damaged or truncated.');
}

export interface KdbxOptions {
  readonly password?: string | undefined;
  readonly keyFile?: Uint8Array | undefined;
  readonly kdf: Kdf;
}

export async function importKdbx(file: string, bytes: Uint8Array, opts: KdbxOptions): Promise<ImportResult> {
  if (!opts.password && !opts.keyFile) throw new LatchkeyError('wrong_password', 'Enter the password (and choose the key file, if it has one) of this KeePass database.', { file });
  useKdf(opts.kdf);
  let db: kdbxweb.Kdbx;
  try {
    const creds = new kdbxweb.Credentials(opts.password ? kdbxweb.ProtectedValue.fromString(opts.password) : null, opts.keyFile ? copyToArrayBuffer(opts.keyFile) : null);
    await creds.ready;
    db = await kdbxweb.Kdbx.load(copyToArrayBuffer(bytes), creds);
  } catch (e) {
    throw explain(file, e);
  }
  const c = new ImportCollector();
  const bin = db.meta.recycleBinEnabled !== false ? db.meta.recycleBinUuid : undefined;
  let n = 0;
  const walk = (group: kdbxweb.KdbxGroup, path: string[], binAbove: boolean): void => {
    const inBin = binAbove || (bin !== undefined && group.uuid.equals(bin));
    for (const entry of group.entries) {
      n += 1;
      const title = text(entry.fields.get('Title'));
      const label = entryLabel(n, title);
      if (inBin) {
        c.skip(label, 'it is in the recycle bin');
        continue;
      }
      const fields: SourceField[] = [];
      for (const [name, value] of entry.fields) {
        if (STANDARD.has(name)) continue;
        const t = text(value);
        // Protection is lost by some tools' XML import, so a secret-sounding name conceals too.
        if (t !== undefined && t !== '') fields.push({ name, value: t, concealed: value instanceof kdbxweb.ProtectedValue || SECRET_NAME.test(name) });
      }
      const seed = text(entry.fields.get('TOTP Seed'));
      const totp = text(entry.fields.get('otp')) ?? seed;
      if (entry.binaries.size) c.drop(label, `${entry.binaries.size} attachment${entry.binaries.size > 1 ? 's' : ''}`);
      if (entry.history.length) c.drop(label, 'entry history');
      c.add({
        entry: label,
        kind: 'login',
        title,
        username: text(entry.fields.get('UserName')),
        password: text(entry.fields.get('Password')),
        urls: [text(entry.fields.get('URL')) ?? ''],
        notes: text(entry.fields.get('Notes')),
        totp,
        tags: path.length ? [path.join('/')] : [],
        fields,
      });
    }
    for (const g of group.groups) walk(g, [...path, g.name ?? ''], inBin);
  };
  const root = db.groups[0];
  if (root) walk(root, [], false);
  return c.result();
}
