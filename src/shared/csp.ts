/**
 * The renderer's Content-Security-Policy, shared by Electron (session response
 * header), the built index.html (meta tag injected by electron.vite.config.ts) and
 * the preview server (response header). One definition so the three cannot drift.
 *
 * Nothing remote: every source is 'self'. Exceptions and why:
 * - script-src 'wasm-unsafe-eval': argon2-browser compiles its WebAssembly; this
 *   allows WebAssembly compilation only, not eval().
 * - worker-src blob: the engine worker (and Vite's worker bundling) may start from a
 *   blob: URL.
 * - img-src data: small inline icons.
 */
const DIRECTIVES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['default-src', ["'none'"]],
  ['script-src', ["'self'", "'wasm-unsafe-eval'"]],
  ['style-src', ["'self'"]],
  ['img-src', ["'self'", 'data:']],
  ['font-src', ["'self'"]],
  ['connect-src', ["'self'"]],
  ['worker-src', ["'self'", 'blob:']],
  ['manifest-src', ["'self'"]],
  ['object-src', ["'none'"]],
  ['frame-src', ["'none'"]],
  ['base-uri', ["'none'"]],
  ['form-action', ["'none'"]],
  ['frame-ancestors', ["'none'"]],
];

export interface CspOptions {
  /** Extra connect-src entries (the preview server adds its own ws:// origins). */
  connectSrc?: readonly string[];
  /**
   * Development only (`electron-vite dev`, never packaged): Vite's dev server injects
   * inline scripts and styles (React refresh preamble, CSS) and talks HMR over a
   * WebSocket, so those are allowed for that one loopback origin's session.
   */
  devServerOrigin?: string;
}

/** The policy as one header value. */
export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const dev = opts.devServerOrigin;
  return DIRECTIVES.map(([name, values]) => {
    let all = [...values];
    if (name === 'connect-src') all.push(...(opts.connectSrc ?? []));
    if (dev !== undefined) {
      if (name === 'connect-src') all.push(dev, dev.replace(/^http/, 'ws'));
      if (name === 'script-src' || name === 'style-src') all.push("'unsafe-inline'", dev);
      if (name === 'img-src' || name === 'font-src' || name === 'worker-src') all.push(dev);
      all = [...new Set(all)];
    }
    return `${name} ${all.join(' ')}`;
  }).join('; ');
}

/** The policy Electron and the built index.html use. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/**
 * The same policy minus what a <meta> tag cannot carry (frame-ancestors is ignored
 * there and Chromium warns about it).
 */
export const CONTENT_SECURITY_POLICY_META = CONTENT_SECURITY_POLICY.split('; ')
  .filter((d) => !d.startsWith('frame-ancestors'))
  .join('; ');
