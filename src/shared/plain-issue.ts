/**
 * A schema problem said in plain words: the field's name as the person sees it on the
 * screen ("New password", "Allowed destinations, line 2"), never a parameter name
 * (`newPassword`, `allowedOrigins.1`) or a method name, and never the value (it may be
 * a password). Used where the renderer checks a form and where RPC refuses params, so a
 * person reads the same sentence for the same mistake wherever it is caught.
 */

/** Labels of the members that forms and RPC params have, by member name. */
const LABELS: Readonly<Record<string, string>> = {
  title: 'Title',
  username: 'Username',
  urls: 'Websites',
  tags: 'Tags',
  notes: 'Notes',
  password: 'Password',
  currentPassword: 'Current password',
  newPassword: 'New password',
  totp: 'One-time code secret',
  description: 'Description',
  secret: 'Secret',
  headerName: 'Header name',
  headerTemplate: 'Header value',
  param: 'Query parameter',
  basicUsername: 'User name for basic authentication',
  allowedOrigins: 'Allowed destinations',
  privateKey: 'Private key',
  publicKey: 'Public key',
  passphrase: 'Passphrase',
  text: 'Note text',
  customFields: 'Custom fields',
  name: 'Name',
  value: 'Value',
  code: 'Enrolment code',
  serverUrl: 'Server address',
  deviceName: 'Device name',
  recoveryCode: 'Recovery code',
  pin: 'PIN',
  label: 'Name',
  query: 'Search',
};

/** Containers that add nothing a person would recognise. */
const TRANSPARENT = new Set(['overview', 'details', 'injection', 'params', 'draft', 'update', 'item']);

/** The minimal facts of a zod issue this needs (kept structural: no zod import here). */
export interface IssueLike {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
  readonly origin?: string;
}

export interface PlainIssue {
  /** The member the person should fix (`allowedOrigins`), for placing the message next to it; undefined if none. */
  readonly field: string | undefined;
  /** A whole sentence, e.g. "New password: needs at least 8 characters." */
  readonly message: string;
}

export function plainIssue(issue: IssueLike | undefined, fallback = 'Some of what was entered is not valid.'): PlainIssue {
  if (issue === undefined) return { field: undefined, message: fallback };
  const named = issue.path.filter((p): p is string => typeof p === 'string' && !TRANSPARENT.has(p));
  const field = named.find((p) => LABELS[p] !== undefined) ?? named[named.length - 1];
  const label = field === undefined ? undefined : (LABELS[field] ?? 'One of the fields');
  // A number right after the field is its line in a one-per-line text box.
  const at = field === undefined ? -1 : issue.path.indexOf(field);
  const index = at >= 0 ? issue.path[at + 1] : undefined;
  const where = label === undefined ? '' : typeof index === 'number' ? `${label}, line ${index + 1}` : label;
  const problem = problemText(issue);
  return { field, message: where ? `${where}: ${problem}.` : `${capitalise(problem)}.` };
}

function problemText(i: IssueLike): string {
  const n = (v: number | bigint | undefined) => (v === undefined ? undefined : Number(v));
  const min = n(i.minimum);
  const max = n(i.maximum);
  const ofText = i.origin === 'string';
  const ofList = i.origin === 'array' || i.origin === 'set';
  switch (i.code) {
    case 'too_small':
      if (ofText && min === 1) return 'cannot be empty';
      if (ofText && min !== undefined) return `needs at least ${min} characters`;
      if (ofList && min !== undefined) return `needs at least ${min} ${min === 1 ? 'entry' : 'entries'}`;
      return min === undefined ? 'is too small' : `must be at least ${min}`;
    case 'too_big':
      if (ofText && max !== undefined) return `can have at most ${max.toLocaleString('en-US')} characters`;
      if (ofList && max !== undefined) return `can have at most ${max} ${max === 1 ? 'entry' : 'entries'}`;
      return max === undefined ? 'is too large' : `can be at most ${max.toLocaleString('en-US')}`;
    case 'invalid_type':
      return /received undefined$/.test(i.message) ? 'is required' : 'is not the right kind of value';
    case 'invalid_format':
    case 'custom':
      // Our schemas give these a description written for people ("an origin such as …").
      return isWrittenForPeople(i.message) ? `must be ${i.message}` : 'is not in the expected form';
    case 'invalid_value':
      return 'is not one of the choices offered';
    case 'unrecognized_keys':
      return 'holds something this version does not know';
    default:
      return 'is not valid';
  }
}

/**
 * Our schemas describe a format as a phrase that completes "must be …" ("an origin such
 * as https://api.example.com (no path)"); zod's own messages ("Invalid string: …") and
 * bare nouns ("enrolment code") do not read as a sentence, so they are not used.
 */
function isWrittenForPeople(message: string): boolean {
  return /^(?:a|an|one|at least|at most)\s/.test(message) && message.length <= 200;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
