/**
 * Spots secrets that look like API keys (by their published prefixes) so the import
 * preview can offer them as API credentials, with the injection rule and origin the
 * provider documents. Only an offer: the person accepts it per entry. A key whose
 * provider needs request signing (AWS) gets no offer: no rule here could place it.
 */
import type { InjectionRule, ItemDraft } from '../../shared/items';

interface Provider {
  readonly pattern: RegExp;
  readonly description: string;
  readonly injection: InjectionRule;
  readonly origins: readonly string[];
}

const PROVIDERS: readonly Provider[] = [
  {
    pattern: /^sk-ant-[A-Za-z0-9_-]{20,}$/,
    description: 'Anthropic API key',
    injection: { type: 'header', name: 'x-api-key', template: '{secret}' },
    origins: ['https://api.anthropic.com'],
  },
  { pattern: /^sk-(proj-)?[A-Za-z0-9_-]{20,}$/, description: 'OpenAI API key', injection: { type: 'bearer' }, origins: ['https://api.openai.com'] },
  { pattern: /^(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})$/, description: 'GitHub token', injection: { type: 'bearer' }, origins: ['https://api.github.com'] },
  {
    pattern: /^glpat-[A-Za-z0-9_-]{20,}$/,
    description: 'GitLab token',
    injection: { type: 'header', name: 'PRIVATE-TOKEN', template: '{secret}' },
    origins: ['https://gitlab.com'],
  },
  { pattern: /^xox[abpr]-[A-Za-z0-9-]{10,}$/, description: 'Slack token', injection: { type: 'bearer' }, origins: ['https://slack.com'] },
  { pattern: /^(sk|rk)_(live|test)_[A-Za-z0-9]{16,}$/, description: 'Stripe key', injection: { type: 'bearer' }, origins: ['https://api.stripe.com'] },
  { pattern: /^AIza[0-9A-Za-z_-]{35}$/, description: 'Google API key', injection: { type: 'query', param: 'key' }, origins: ['https://www.googleapis.com'] },
  { pattern: /^npm_[A-Za-z0-9]{36}$/, description: 'npm token', injection: { type: 'bearer' }, origins: ['https://registry.npmjs.org'] },
  { pattern: /^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$/, description: 'SendGrid API key', injection: { type: 'bearer' }, origins: ['https://api.sendgrid.com'] },
];

/** Field names people give API secrets (custom fields, or a login's password with such a title). */
const API_NAME = /\b(api[ _-]?key|api[ _-]?token|access[ _-]?token|secret[ _-]?key|bearer|personal access token|token)\b/i;

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null;
  } catch {
    return null;
  }
}

function match(secret: string): Provider | undefined {
  const s = secret.trim();
  return PROVIDERS.find((p) => p.pattern.test(s));
}

/** The same entry as an API credential, or undefined when nothing in it looks like an API secret. */
export function suggestApiCredential(d: ItemDraft, hinted = false): ItemDraft | undefined {
  if (d.details.kind === 'api_credential' || d.details.kind === 'ssh_key') return undefined;
  const candidates: { value: string; named: boolean; fieldId?: string }[] = [];
  if (d.details.kind === 'login' && d.details.password) candidates.push({ value: d.details.password, named: hinted || API_NAME.test(d.overview.title) });
  if (d.details.kind === 'secure_note' && d.details.text.trim() && !/\s/.test(d.details.text.trim()))
    candidates.push({ value: d.details.text.trim(), named: API_NAME.test(d.overview.title) });
  for (const f of d.details.customFields) if (typeof f.value === 'string' && f.value.trim()) candidates.push({ value: f.value, named: API_NAME.test(f.name), fieldId: f.id });
  let chosen: { c: (typeof candidates)[number]; p: Provider | undefined } | undefined;
  for (const c of candidates) {
    const p = match(c.value);
    if (p) {
      chosen = { c, p };
      break;
    }
  }
  // Without a known prefix, only a secret named like one (and of token shape) is offered.
  chosen ??= candidates.filter((c) => c.named && /^[A-Za-z0-9._~+/=-]{16,}$/.test(c.value.trim())).map((c) => ({ c, p: undefined }))[0];
  if (!chosen) return undefined;
  const { c, p } = chosen;
  const fromUrls = d.overview.urls.map(originOf).filter((o): o is string => o !== null);
  const origins = [...new Set(p ? [...p.origins] : fromUrls)];
  const notes = d.details.kind === 'login' ? d.details.notes : d.details.kind === 'secure_note' && !(c.value.trim() === d.details.text.trim()) ? d.details.text : d.details.notes;
  const customFields = d.details.customFields.filter((f) => f.id !== c.fieldId);
  if (d.details.kind === 'login' && c.fieldId && d.details.password) customFields.push({ id: 'password', name: 'Password', concealed: true, value: d.details.password });
  return {
    overview: {
      kind: 'api_credential',
      title: d.overview.title,
      urls: d.overview.urls,
      tags: d.overview.tags,
      ...(d.overview.username ? { username: d.overview.username } : {}),
      description: p?.description ?? `Imported from "${d.overview.title}"`,
      injection: p?.injection ?? { type: 'bearer' },
      allowedOrigins: origins,
    },
    details: { kind: 'api_credential', secret: c.value.trim(), ...(notes ? { notes } : {}), customFields },
  };
}
