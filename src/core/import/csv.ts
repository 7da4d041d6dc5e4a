/**
 * CSV exports of Chrome, Firefox, Safari, Bitwarden, KeePassXC and 1Password, read
 * with papaparse. Each format is known by its header row (the columns each app
 * documents and writes); a file whose header does not match the chosen format is
 * refused, not guessed at, because a wrong column map would import passwords as titles.
 */
import Papa from 'papaparse';
import { ImportCollector, entryLabel, type SourceField } from './build';
import { importError, type ImportFormat, type ImportResult } from './types';

export type CsvFormat = Extract<ImportFormat, 'chrome_csv' | 'firefox_csv' | 'safari_csv' | 'bitwarden_csv' | 'keepassxc_csv' | 'onepassword_csv'>;

type Row = Record<string, string>;

/** Columns that must be present (lower case) for each format. */
const REQUIRED: Record<CsvFormat, readonly string[]> = {
  chrome_csv: ['name', 'url', 'username', 'password'],
  firefox_csv: ['url', 'username', 'password', 'httprealm', 'formactionorigin', 'guid'],
  safari_csv: ['title', 'url', 'username', 'password'],
  bitwarden_csv: ['folder', 'type', 'name', 'login_uri', 'login_username', 'login_password'],
  keepassxc_csv: ['group', 'title', 'username', 'password', 'url', 'notes'],
  onepassword_csv: ['title', 'url', 'username', 'password'],
};

const FORMAT_NAME: Record<CsvFormat, string> = {
  chrome_csv: 'Chrome',
  firefox_csv: 'Firefox',
  safari_csv: 'Safari',
  bitwarden_csv: 'Bitwarden',
  keepassxc_csv: 'KeePassXC',
  onepassword_csv: '1Password',
};

/** Which CSV format a header row is, or null. Firefox and Bitwarden first: their columns are the most specific. */
export function detectCsvFormat(text: string): CsvFormat | null {
  const first = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { preview: 1 }).data[0];
  if (!first) return null;
  const cols = new Set(first.map((c) => c.trim().toLowerCase()));
  const order: CsvFormat[] = ['firefox_csv', 'bitwarden_csv', 'keepassxc_csv', 'onepassword_csv', 'safari_csv', 'chrome_csv'];
  for (const f of order) {
    if (!REQUIRED[f].every((c) => cols.has(c))) continue;
    if (f === 'safari_csv' && !cols.has('otpauth') && !cols.has('notes')) continue;
    if (f === 'onepassword_csv' && !cols.has('tags') && !cols.has('archived')) continue;
    return f;
  }
  return null;
}

function parseRows(file: string, text: string, format: CsvFormat): Row[] {
  const r = Papa.parse<Row>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: 'greedy', transformHeader: (h) => h.trim().toLowerCase() });
  const fatal = r.errors.find((e) => e.type === 'Quotes' || e.type === 'FieldMismatch');
  if (fatal) {
    // papaparse rows are 0-based data rows; a person counts lines with the header as line 1.
    const line = typeof fatal.row === 'number' ? fatal.row + 2 : undefined;
    throw importError(file, line ? `line ${line}` : null, fatal.type === 'Quotes' ? 'a quoted value is never closed.' : 'a row has a different number of columns than the header.');
  }
  const renamed = (r.meta as { renamedHeaders?: Record<string, string> | null }).renamedHeaders;
  if (renamed && Object.keys(renamed).length) throw importError(file, 'line 1', 'the header row names a column twice, so its values cannot be told apart.');
  const cols = r.meta.fields ?? [];
  const missing = REQUIRED[format].filter((c) => !cols.includes(c));
  if (missing.length) throw importError(file, null, `this is not a ${FORMAT_NAME[format]} CSV export (missing the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}).`);
  return r.data;
}

const v = (row: Row, k: string): string | undefined => {
  const x = row[k];
  return typeof x === 'string' && x !== '' ? x : undefined;
};

/** Bitwarden's CSV `fields` column: one `name: value` per line. */
function bitwardenFields(s: string | undefined): SourceField[] {
  if (!s) return [];
  return s
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((l) => {
      const i = l.indexOf(': ');
      return i < 0 ? { name: l.trim(), value: '', concealed: false } : { name: l.slice(0, i), value: l.slice(i + 2), concealed: false };
    });
}

/** A KeePassXC group path ("Root/Work/Cloud"): the root is every entry's, so it is no tag. */
function groupTag(path: string | undefined): string[] {
  if (!path) return [];
  const parts = path.split('/').filter(Boolean);
  if (parts.length && /^(root|passwords)$/i.test(parts[0]!)) parts.shift();
  return parts.length ? [parts.join('/')] : [];
}

export function importCsv(file: string, text: string, format: CsvFormat): ImportResult {
  const rows = parseRows(file, text, format);
  const c = new ImportCollector();
  rows.forEach((row, i) => {
    const n = i + 1;
    switch (format) {
      case 'chrome_csv':
        return c.add({
          entry: entryLabel(n, v(row, 'name')),
          kind: 'login',
          title: v(row, 'name'),
          urls: [v(row, 'url') ?? ''],
          username: v(row, 'username'),
          password: v(row, 'password'),
          notes: v(row, 'note'),
        });
      case 'firefox_csv':
        return c.add({ entry: entryLabel(n, v(row, 'url')), kind: 'login', urls: [v(row, 'url') ?? ''], username: v(row, 'username'), password: v(row, 'password') });
      case 'safari_csv':
        return c.add({
          entry: entryLabel(n, v(row, 'title')),
          kind: 'login',
          title: v(row, 'title'),
          urls: [v(row, 'url') ?? ''],
          username: v(row, 'username'),
          password: v(row, 'password'),
          notes: v(row, 'notes'),
          totp: v(row, 'otpauth'),
        });
      case 'onepassword_csv':
        return c.add({
          entry: entryLabel(n, v(row, 'title')),
          kind: 'login',
          title: v(row, 'title'),
          urls: [v(row, 'url') ?? ''],
          username: v(row, 'username'),
          password: v(row, 'password'),
          notes: v(row, 'notes'),
          totp: v(row, 'otpauth'),
          tags: (v(row, 'tags') ?? '').split(/[;,]/),
        });
      case 'keepassxc_csv':
        return c.add({
          entry: entryLabel(n, v(row, 'title')),
          kind: 'login',
          title: v(row, 'title'),
          urls: [v(row, 'url') ?? ''],
          username: v(row, 'username'),
          password: v(row, 'password'),
          notes: v(row, 'notes'),
          totp: v(row, 'totp'),
          tags: groupTag(v(row, 'group')),
        });
      case 'bitwarden_csv': {
        const type = (v(row, 'type') ?? 'login').toLowerCase();
        const label = entryLabel(n, v(row, 'name'));
        if (type !== 'login' && type !== 'note') return c.skip(label, `Bitwarden's CSV cannot hold a ${type} item; export as JSON to import it`);
        return c.add({
          entry: label,
          kind: type === 'note' ? 'secure_note' : 'login',
          title: v(row, 'name'),
          urls: (v(row, 'login_uri') ?? '').split(','),
          username: v(row, 'login_username'),
          password: v(row, 'login_password'),
          totp: v(row, 'login_totp'),
          notes: v(row, 'notes'),
          fields: bitwardenFields(v(row, 'fields')),
          tags: v(row, 'folder') ? [v(row, 'folder')!] : [],
        });
      }
    }
  });
  return c.result();
}
