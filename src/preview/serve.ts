/**
 * `npm run preview`: builds the renderer if it is missing, starts the preview server
 * on 127.0.0.1 and prints the URL (with its one-time access token) once.
 *
 *   npm run preview -- [--port N] [--rebuild]     (port also from LATCHKEY_PREVIEW_PORT; default 5199)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createAppMain } from '../main/compose';
import { createNodeHidDiscovery } from '../main/fido/hid.node-hid';
import { createMemoryKeychain } from '../main/keychain/keychain.memory';
import { defaultPolicySources, keychainPolicySerials, PolicyService } from '../main/policy';
import { DEFAULT_PREVIEW_PORT, DEFAULT_RENDERER_DIR, startPreviewServer } from './server';

export { startPreviewServer, DEFAULT_PREVIEW_PORT, type PreviewServer, type PreviewServerOptions } from './server';

export function parsePreviewArgs(argv: string[], env: Record<string, string | undefined>): { port: number; rebuild: boolean } {
  let port = env['LATCHKEY_PREVIEW_PORT'] === undefined ? DEFAULT_PREVIEW_PORT : Number(env['LATCHKEY_PREVIEW_PORT']);
  let rebuild = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rebuild') rebuild = true;
    else if (a === '--port') port = Number(argv[++i]);
    else if (a !== undefined && a.startsWith('--port=')) port = Number(a.slice('--port='.length));
    else throw new Error(`Unknown option ${a ?? ''}. Usage: npm run preview -- [--port N] [--rebuild]`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be an integer from 0 to 65535.');
  return { port, rebuild };
}

async function main(): Promise<number> {
  const { port, rebuild } = parsePreviewArgs(process.argv.slice(2), process.env);
  const root = fileURLToPath(new URL('../..', import.meta.url));
  if (rebuild || !existsSync(`${DEFAULT_RENDERER_DIR}/index.html`)) {
    console.log('Building the app (electron-vite build)…');
    const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error('Build failed.');
      return 1;
    }
  }
  // Preview's keychain is memory: rollback is refused within one preview session only.
  const keychain = createMemoryKeychain();
  const policy = new PolicyService({ ...defaultPolicySources(undefined, root), serials: keychainPolicySerials(keychain) });
  const policyState = await policy.start();
  if (policyState.status === 'invalid') console.error(`Policy refused, the vault will not open: ${policyState.error.message}`);
  // Preview keeps agent pairings in memory (and its token key with them): nothing
  // from a preview session outlives it.
  const main = await createAppMain({
    shell: 'preview',
    version: '0.0.0-preview',
    keychain,
    dataDir: null,
    fidoDiscovery: createNodeHidDiscovery(),
    policy,
  });
  const server = await startPreviewServer({ port, services: main.services });
  // Printed once, to the person who started it: the token is the only key to this server.
  console.log(`Latchkey preview is running. Open:\n\n  ${server.url}\n\nPress Ctrl+C to stop.`);
  const stop = (): void => {
    policy.close();
    void server
      .close()
      .then(() => main.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => {
      if (code !== 0) process.exit(code);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : 'Preview failed to start.');
      process.exit(1);
    },
  );
}
