/**
 * The format a file most likely is, from its name and first bytes: the import
 * screen's default choice (the person can change it). Kept apart from the importers
 * so the page bundle does not carry them.
 */
import { bytesToUtf8 } from '../crypto/bytes';
import { detectCsvFormat } from './csv';
import type { ImportFormat } from './types';

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
