/**
 * Places a credential's secret in an outgoing request by the item's injection rule.
 * The agent's own headers may not set or shadow the credential's header (nor the
 * hop-by-hop and framing headers the gateway controls).
 */
import type { InjectionRule } from '../../shared/items';
import { LatchkeyError } from '../../shared/errors';

const RESERVED = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'te',
  'upgrade',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'trailer',
  'expect',
]);

export function credentialHeaderName(rule: InjectionRule): string | null {
  if (rule.type === 'bearer' || rule.type === 'basic') return 'authorization';
  if (rule.type === 'header') return rule.name.toLowerCase();
  return null;
}

/** The agent's headers, lower-cased, with reserved and credential headers refused. */
export function agentHeaders(rule: InjectionRule, given: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const cred = credentialHeaderName(rule);
  for (const [k, v] of Object.entries(given ?? {})) {
    const name = k.toLowerCase();
    if (RESERVED.has(name)) throw new LatchkeyError('invalid_input', `The header "${name}" is set by Latchkey; leave it out.`);
    if (name === cred) throw new LatchkeyError('invalid_input', `The header "${name}" carries the credential and is set by Latchkey; leave it out.`);
    out[name] = v;
  }
  return out;
}

/** Returns the URL and headers with the secret in place (new objects; inputs untouched). */
export function inject(rule: InjectionRule, secret: string, url: URL, headers: Record<string, string>): { url: URL; headers: Record<string, string> } {
  const h = { ...headers };
  const u = new URL(url.href);
  switch (rule.type) {
    case 'bearer':
      h.authorization = `Bearer ${secret}`;
      break;
    case 'header':
      h[rule.name.toLowerCase()] = rule.template.split('{secret}').join(secret);
      break;
    case 'basic':
      h.authorization = `Basic ${Buffer.from(`${rule.username}:${secret}`, 'utf8').toString('base64')}`;
      break;
    case 'query':
      u.searchParams.set(rule.param, secret);
      break;
  }
  if (/[\r\n\0]/.test(secret) && rule.type !== 'query') {
    throw new LatchkeyError('invalid_input', "This credential's value contains a line break and cannot be sent in a header; edit the item.");
  }
  return { url: u, headers: h };
}
