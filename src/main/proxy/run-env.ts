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
  readonly name: string;
  readonly secret: string;
  readonly rules: readonly string[];
}

export interface ProxiedRun {
  /** Variables to add to (and override in) the child's environment. */
  readonly env: Record<string, string>;
  /** Variables to remove from the child's environment. */
  readonly unset: readonly string[];
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
    // One placeholder per item, however many variables name it.
    let ph = placeholders.get(s.itemId);
    if (ph === undefined) {
      ph = makePlaceholder(s.secret);
      placeholders.set(s.itemId, ph);
      credentials.push({ itemId: s.itemId, name: s.name, placeholder: ph, secret: s.secret, rules: s.rules });
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
