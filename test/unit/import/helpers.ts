import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { runImport, type ImportFormat, type ImportResult } from '../../../src/core/import';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/import');
export const kdf = createNodeArgon2Kdf();

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

/** A 1PUX as 1Password writes it: a ZIP with export.attributes and export.data. */
export function onePux(exportData: string = readFileSync(join(FIXTURES, '1password-export.data.json'), 'utf8')): Uint8Array {
  return zipSync({
    'export.attributes': strToU8(JSON.stringify({ version: 3, description: '1Password Unencrypted Export', createdAt: 1700000000 })),
    'export.data': strToU8(exportData),
    files: {},
  });
}

export function importBytes(format: ImportFormat, bytes: Uint8Array, extra: { password?: string; keyFile?: Uint8Array; fileName?: string } = {}): Promise<ImportResult> {
  return runImport({ format, fileName: extra.fileName ?? `file.${format}`, bytes, password: extra.password, keyFile: extra.keyFile }, { kdf });
}

export function byTitle(r: ImportResult, title: string) {
  const i = r.items.find((x) => x.draft.overview.title === title);
  if (!i) throw new Error(`no item ${title}: ${r.items.map((x) => x.draft.overview.title).join(', ')}`);
  return i;
}
