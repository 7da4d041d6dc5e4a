/**
 * The item editor's state and its conversion to the engine's shapes. Pure functions,
 * so the rules (what "keep the stored secret" means, which fields each kind has)
 * live in one testable place.
 *
 * Concealed values on edit: the engine sends a stored secret as `null` and reads a
 * `null` back as "keep it". The editor never holds a stored secret; it only holds
 * a NEW value the person typed.
 */
import { z } from 'zod';
import { plainIssue } from '../../shared/plain-issue';
import { itemDraftSchema, itemUpdateSchema, type InjectionRule, type ItemDraft, type ItemKind, type ItemUpdate, type ItemView } from '../../shared/items';

export type Concealed =
  | { readonly mode: 'keep' } // stored, unchanged (sent as null)
  | { readonly mode: 'set'; readonly value: string }
  | { readonly mode: 'absent' };

export interface CustomFieldState {
  id: string;
  name: string;
  concealed: boolean;
  /** Plain fields: the text. Concealed fields: see Concealed. */
  plain: string;
  secret: Concealed;
}

export type InjectionType = InjectionRule['type'];

export interface ItemFormState {
  kind: ItemKind;
  title: string;
  username: string;
  /** One per line. */
  urls: string;
  /** Comma separated. */
  tags: string;
  notes: string;
  // login
  password: Concealed;
  totp: Concealed;
  // api_credential
  description: string;
  injectionType: InjectionType;
  headerName: string;
  headerTemplate: string;
  basicUsername: string;
  queryParam: string;
  /** One origin per line. */
  allowedOrigins: string;
  secret: Concealed;
  /** A canary: listed to agents, never sent; touching it raises an alert (docs/gateway.md). */
  canary: boolean;
  /** `latchkey run` also swaps the placeholder in request bodies (docs/gateway.md §10a "Body swaps"). */
  swapInBody: boolean;
  // ssh_key
  privateKey: Concealed;
  publicKey: string;
  passphrase: Concealed;
  // secure_note
  text: string;
  customFields: CustomFieldState[];
}

export const KIND_LABELS: Record<ItemKind, string> = {
  login: 'Login',
  api_credential: 'API credential',
  ssh_key: 'SSH key',
  secure_note: 'Secure note',
};

const absent: Concealed = { mode: 'absent' };
const keep: Concealed = { mode: 'keep' };

export function emptyForm(kind: ItemKind): ItemFormState {
  return {
    kind,
    title: '',
    username: '',
    urls: '',
    tags: '',
    notes: '',
    password: absent,
    totp: absent,
    description: '',
    injectionType: 'bearer',
    headerName: 'X-Api-Key',
    headerTemplate: '{secret}',
    basicUsername: '',
    queryParam: 'api_key',
    allowedOrigins: '',
    secret: absent,
    canary: false,
    swapInBody: false,
    privateKey: absent,
    publicKey: '',
    passphrase: absent,
    text: '',
    customFields: [],
  };
}

const fromMasked = (v: string | null | undefined): Concealed => (v === undefined ? absent : v === null ? keep : { mode: 'set', value: v });

/** The form for editing a stored item (concealed values stay in the engine). */
export function formFromItem(item: ItemView): ItemFormState {
  const o = item.overview;
  const d = item.details;
  const f = emptyForm(o.kind);
  f.title = o.title;
  f.username = o.username ?? '';
  f.urls = o.urls.join('\n');
  f.tags = o.tags.join(', ');
  f.notes = d.notes ?? '';
  f.customFields = d.customFields.map((c) => ({
    id: c.id,
    name: c.name,
    concealed: c.concealed,
    plain: c.concealed ? '' : (c.value ?? ''),
    secret: c.concealed ? fromMasked(c.value) : absent,
  }));
  if (o.kind === 'api_credential') {
    f.description = o.description ?? '';
    f.allowedOrigins = (o.allowedOrigins ?? []).join('\n');
    f.canary = o.canary === true;
    f.swapInBody = o.swapInBody === true;
    const rule = o.injection;
    if (rule !== undefined) {
      f.injectionType = rule.type;
      if (rule.type === 'header') {
        f.headerName = rule.name;
        f.headerTemplate = rule.template;
      }
      if (rule.type === 'basic') f.basicUsername = rule.username;
      if (rule.type === 'query') f.queryParam = rule.param;
    }
  }
  switch (d.kind) {
    case 'login':
      f.password = fromMasked(d.password);
      f.totp = fromMasked(d.totp);
      break;
    case 'api_credential':
      f.secret = fromMasked(d.secret);
      break;
    case 'ssh_key':
      f.privateKey = fromMasked(d.privateKey);
      f.publicKey = d.publicKey ?? '';
      f.passphrase = fromMasked(d.passphrase);
      break;
    case 'secure_note':
      f.text = d.text;
      break;
  }
  return f;
}

const lines = (s: string): string[] =>
  s
    .split('\n')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
const commaList = (s: string): string[] => [
  ...new Set(
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  ),
];

function injectionRule(f: ItemFormState): InjectionRule {
  switch (f.injectionType) {
    case 'bearer':
      return { type: 'bearer' };
    case 'header':
      return { type: 'header', name: f.headerName.trim(), template: f.headerTemplate };
    case 'basic':
      return { type: 'basic', username: f.basicUsername };
    case 'query':
      return { type: 'query', param: f.queryParam.trim() };
  }
}

/** `null` = keep, a string = set, undefined = absent. On create "keep" cannot occur. */
function concealedOut(c: Concealed): string | null | undefined {
  return c.mode === 'keep' ? null : c.mode === 'set' ? c.value : undefined;
}

/** Required concealed fields must hold something; absent becomes "" so the schema names the field. */
const required = (c: Concealed): string | null => (c.mode === 'keep' ? null : c.mode === 'set' ? c.value : '');

function optional<K extends string>(key: K, c: Concealed): { [P in K]?: string | null } {
  const v = concealedOut(c);
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: string | null };
}

/** The overview and details as the engine takes them (masked shape: null = keep). */
export function formToParts(f: ItemFormState): { overview: Record<string, unknown>; details: Record<string, unknown> } {
  const overview: Record<string, unknown> = {
    kind: f.kind,
    title: f.title.trim(),
    urls: lines(f.urls),
    tags: commaList(f.tags),
    ...(f.username.trim() ? { username: f.username.trim() } : {}),
  };
  if (f.kind === 'api_credential') {
    overview.description = f.description.trim();
    overview.injection = injectionRule(f);
    overview.allowedOrigins = lines(f.allowedOrigins).map((o) => o.replace(/\/+$/, ''));
    if (f.canary) overview.canary = true;
    if (f.swapInBody) overview.swapInBody = true;
  }
  const common = {
    ...(f.notes.trim() ? { notes: f.notes } : {}),
    customFields: f.customFields.map((c) => ({
      id: c.id,
      name: c.name.trim(),
      concealed: c.concealed,
      value: c.concealed ? required(c.secret) : c.plain,
    })),
  };
  let details: Record<string, unknown>;
  switch (f.kind) {
    case 'login':
      details = { kind: 'login', ...optional('password', f.password), ...optional('totp', f.totp), ...common };
      break;
    case 'api_credential':
      details = { kind: 'api_credential', secret: required(f.secret), ...common };
      break;
    case 'ssh_key':
      details = {
        kind: 'ssh_key',
        privateKey: required(f.privateKey),
        ...optional('passphrase', f.passphrase),
        ...(f.publicKey.trim() ? { publicKey: f.publicKey.trim() } : {}),
        ...common,
      };
      break;
    case 'secure_note':
      details = { kind: 'secure_note', text: f.text, ...common };
      break;
  }
  return { overview, details };
}

/** The first schema problem as a sentence naming the field as the form labels it (never its value). */
function firstIssue(error: z.ZodError): string {
  return plainIssue(error.issues[0], 'The item is not valid.').message;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export function draftFromForm(f: ItemFormState): Checked<ItemDraft> {
  const r = itemDraftSchema.safeParse(formToParts(f));
  return r.success ? { ok: true, value: r.data } : { ok: false, message: firstIssue(r.error) };
}

export function updateFromForm(f: ItemFormState, id: string, baseVersion: number): Checked<ItemUpdate> {
  const r = itemUpdateSchema.safeParse({ id, baseVersion, ...formToParts(f) });
  return r.success ? { ok: true, value: r.data } : { ok: false, message: firstIssue(r.error) };
}

/** Client-chosen custom field ids (the engine keeps them stable across edits). */
export function newCustomFieldId(): string {
  const b = new Uint8Array(9);
  crypto.getRandomValues(b);
  return btoa(String.fromCharCode(...b))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** A generated password: 20 characters from a 64-symbol alphabet (120 bits), unbiased. */
export function generatePassword(length = 20): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!@#%';
  const out: string[] = [];
  const b = new Uint8Array(length);
  crypto.getRandomValues(b);
  for (const x of b) out.push(alphabet[x & 63] ?? 'x');
  b.fill(0);
  return out.join('');
}
