/** The names people know import formats by, and which of them have a password. */
import type { ImportFormat } from '../../shared/contracts/import-export';

export const FORMAT_LABELS: Record<ImportFormat, string> = {
  kdbx: 'KeePass / KeePassXC database (.kdbx)',
  keepassxc_csv: 'KeePassXC CSV',
  bitwarden_json: 'Bitwarden JSON (plain or password protected)',
  bitwarden_csv: 'Bitwarden CSV',
  onepassword_1pux: '1Password export (.1pux)',
  onepassword_csv: '1Password CSV',
  chrome_csv: 'Chrome / Edge passwords CSV',
  firefox_csv: 'Firefox passwords CSV',
  safari_csv: 'Safari / Apple Passwords CSV',
  latchkey_export: 'Latchkey export (.lkexport or JSON)',
};

export const HAS_PASSWORD: ReadonlySet<ImportFormat> = new Set(['kdbx', 'bitwarden_json', 'latchkey_export']);

export const SOURCE_KIND_WORDS: Record<string, string> = {
  login: 'logins',
  secure_note: 'notes',
  card: 'cards',
  identity: 'identities',
  ssh_key: 'SSH keys',
  api_credential: 'API credentials',
};

/** How an API credential's rule reads in the preview. */
export function ruleWords(r: { type: string; name?: string; param?: string }): string {
  if (r.type === 'bearer') return 'Authorization: Bearer';
  if (r.type === 'header') return `header ${r.name ?? ''}`;
  if (r.type === 'query') return `query parameter ${r.param ?? ''}`;
  return 'HTTP Basic';
}
