/**
 * Import: one entry point over every format. Pure and in-worker: the bytes of the
 * file arrive, drafts and a report leave; nothing is written here (the engine's
 * import.commit writes the drafts in one transaction).
 */
import { LatchkeyError } from '../../shared/errors';
import { bytesToUtf8 } from '../crypto/bytes';
import type { Kdf } from '../crypto/kdf';
import { importBitwardenJson } from './bitwarden-json';
import { importCsv } from './csv';
import { importKdbx } from './kdbx';
import { importOnePux } from './onepassword-1pux';
import { importError, type ImportFormat, type ImportResult } from './types';

export { guessImportFormat } from './guess';
export type { ImportFormat, ImportResult } from './types';

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
