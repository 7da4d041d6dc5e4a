/**
 * Import: one entry point over every format. Pure and in-worker: the bytes of the
 * file arrive, drafts and a report leave; nothing is written here (the engine's
 * import.commit writes the drafts in one transaction).
 */
import { LatchkeyError } from '../../shared/errors';
import { bytesToUtf8 } from '../crypto/bytes';
import type { Kdf } from '../crypto/kdf';
import { importBitwardenJson } from './bitwarden-json';
import { importCsv, detectCsvFormat } from './csv';
import { importKdbx } from './kdbx';
import { importOnePux } from './onepassword-1pux';
import { importError, type ImportFormat, type ImportResult } from './types';

export { IMPORT_FORMATS, importFormatSchema, SOURCE_KINDS, type ImportFormat, type ImportResult, type ImportReport, type ImportedEntry, type SourceKind } from './types';

export interface ImportInput {
  readonly format: ImportFormat;
  /** The file's name as the person chose it: only for messages. */
  readonly fileName: string;
  readonly bytes: Uint8Array;
  readonly password?: string | undefined;
  readonly keyFile?: Uint8Array | undefined;
}

export interface ImportDeps {
  readonly kdf: Kdf;
  /** Latchkey's own encrypted export (src/core/export), passed in so import does not depend on export. */
  readonly openLatchkeyExport?: (file: string, bytes: Uint8Array, passphrase: string | undefined) => Promise<ImportResult>;
}

function decodeText(file: string, bytes: Uint8Array): string {
  // UTF-16 exports (Windows tools) start with a BOM; everything the formats document is UTF-8.
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw importError(file, null, 'it is UTF-16 text; save it as UTF-8 and try again.');
  if (bytes.includes(0)) throw importError(file, null, 'it is not a text file.');
  return bytesToUtf8(bytes);
}

export async function runImport(input: ImportInput, deps: ImportDeps): Promise<ImportResult> {
  const { format, fileName: file, bytes } = input;
  switch (format) {
    case 'bitwarden_json':
      return importBitwardenJson(file, decodeText(file, bytes), { password: input.password, kdf: deps.kdf });
    case 'onepassword_1pux':
      return importOnePux(file, bytes);
    case 'kdbx':
      return importKdbx(file, bytes, { password: input.password, keyFile: input.keyFile, kdf: deps.kdf });
    case 'latchkey_export':
      if (!deps.openLatchkeyExport) throw new LatchkeyError('unsupported', 'Latchkey exports cannot be read here.');
      return deps.openLatchkeyExport(file, bytes, input.password);
    default:
      return importCsv(file, decodeText(file, bytes), format);
  }
}

/** A best guess of the format from the file name and first bytes, for the picker's default. */
export function guessImportFormat(fileName: string, bytes: Uint8Array): ImportFormat | null {
  const name = fileName.toLowerCase();
  if (name.endsWith('.kdbx') || (bytes[0] === 0x03 && bytes[1] === 0xd9 && bytes[2] === 0xa2 && bytes[3] === 0x9a)) return 'kdbx';
  if (name.endsWith('.1pux') || (bytes[0] === 0x50 && bytes[1] === 0x4b)) return 'onepassword_1pux';
  if (name.endsWith('.lkexport') || (bytes[0] === 0x4c && bytes[1] === 0x4b && bytes[2] === 0x45 && bytes[3] === 0x58)) return 'latchkey_export';
  if (bytes.includes(0)) return null;
  const head = bytesToUtf8(bytes.subarray(0, 4096))
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (head.startsWith('{')) return /"format"\s*:\s*"latchkey-export"/.test(head) ? 'latchkey_export' : 'bitwarden_json';
  return detectCsvFormat(head);
}
