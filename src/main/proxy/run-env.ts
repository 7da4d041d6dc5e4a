/**
 * The environment of a child in proxy mode: each credential's variable holds its
 * placeholder; the proxy variables (both cases: curl reads only lower-case http_proxy)
 * point at this run's proxy with its credential; and the CA bundle — the per-device CA
 * plus Node's public roots, so hosts that are tunnelled untouched still verify — is
 * named by every variable the common clients read. The bundle file lives in a 0700
 * directory of its own and is removed when the run ends.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { DeviceCa } from './ca';
import { makePlaceholder } from './placeholder';
import { startRunProxy, type ProxyCredential, type ProxyOptions, type RunProxy } from './proxy';

export const CA_ENV = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO'] as const;
export const PROXY_ENV = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;
/** Variables from the parent that would route around or reconfigure the proxy. */
const CLEARED = ['NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy', 'SSL_CERT_DIR'];

export interface RunSecret {
  /** The child's variable. */
  readonly env: string;
  readonly itemId: string;
  /** Which field of the item (references name any field): one placeholder per item and field. */
  readonly field?: string;
  readonly name: string;
  readonly secret: string;
  readonly rules: readonly string[];
  /** The item's rule: swap the placeholder in textual request bodies too. */
  readonly swapInBody?: boolean;
}

export interface ProxiedRun {
  /** Variables to add to (and override in) the child's environment. */
  readonly env: Record<string, string>;
  /** Variables to remove from the child's environment. */
  readonly unset: readonly string[];
  /** By item id, or `<item id>/<field>` for a secret that names its field (references). */
  readonly placeholders: ReadonlyMap<string, string>;
  readonly proxy: RunProxy;
  close(): Promise<void>;
}

export async function startProxiedRun(
  secrets: readonly RunSecret[],
  opts: Omit<ProxyOptions, 'credentials' | 'ca'> & { ca: DeviceCa; extraChildCa?: readonly string[] },
): Promise<ProxiedRun> {
  const credentials: ProxyCredential[] = [];
  const env: Record<string, string> = {};
  const placeholders = new Map<string, string>();
  for (const s of secrets) {
    // One placeholder per item and field, however many variables name it.
    const key = s.field === undefined ? s.itemId : `${s.itemId}/${s.field}`;
    let ph = placeholders.get(key);
    if (ph === undefined) {
      ph = makePlaceholder(s.secret);
      placeholders.set(key, ph);
      credentials.push({ itemId: s.itemId, name: s.name, placeholder: ph, secret: s.secret, rules: s.rules, ...(s.swapInBody === true ? { swapInBody: true } : {}) });
    }
    env[s.env] = ph;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'latchkey-run-'));
  const bundle = path.join(dir, 'ca.pem');
  await writeFile(bundle, [opts.ca.certPem, ...(opts.extraChildCa ?? []), ...tls.rootCertificates].join('\n'), { mode: 0o600 });
  let proxy: RunProxy;
  try {
    proxy = await startRunProxy({ ...opts, credentials });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  for (const k of PROXY_ENV) env[k] = proxy.url;
  for (const k of CA_ENV) env[k] = bundle;
  return {
    env,
    unset: CLEARED,
    placeholders,
    proxy,
    async close() {
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
