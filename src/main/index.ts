/**
 * Electron composition root: the only place (with src/main/app and src/preload)
 * that imports 'electron'. Everything it wires is built from plain constructors so
 * the same services also run under Node (src/preview, tests).
 */
import { app, BrowserWindow, dialog, ipcMain, MessageChannelMain, net, Notification, powerMonitor, protocol, session, shell } from 'electron';
import { fileURLToPath } from 'node:url';
import { APP_SCHEME_PRIVILEGES, registerAppProtocol } from './app/app-protocol';
import { handleMainPortRequests } from './app/main-port';
import { ENGINE_JS_FLAGS, installNavigationGuards, installSessionPolicies } from './app/security';
import { createMainWindow } from './app/window';
import { createAppMain } from './compose';
import { createNodeHidDiscovery } from './fido/hid.node-hid';
import { createKeytarKeychain } from './keychain/keychain.keytar';
import { defaultPolicySources, keychainPolicySerials, PolicyService } from './policy';

// Built layout: out/main/index.js, out/preload/index.cjs, out/renderer/index.html.
const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const rendererDir = fileURLToPath(new URL('../renderer', import.meta.url));
/** Set by `electron-vite dev` only; never in a packaged app. */
const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];

app.enableSandbox(); // every renderer sandboxed, whatever its webPreferences say
// V8 flags for the renderers, where the engine worker holds the vault key (security.ts).
app.commandLine.appendSwitch('js-flags', ENGINE_JS_FLAGS);
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();

  const keychain = await createKeytarKeychain();
  // The keychain remembers the highest policy serial applied, so an older signed policy is refused.
  const policy = new PolicyService({ ...defaultPolicySources(app.isPackaged ? process.resourcesPath : undefined, app.getAppPath()), serials: keychainPolicySerials(keychain) });
  const policyState = await policy.start();
  if (policyState.status === 'invalid') {
    // Fail closed, and say which file and why; every decision also refuses while invalid.
    dialog.showErrorBox('Latchkey cannot open the vault', policyState.error.message);
  }
  const { services, close, sessionEvent } = await createAppMain({
    shell: 'electron',
    version: app.getVersion(),
    keychain,
    dataDir: app.getPath('userData'),
    fidoDiscovery: createNodeHidDiscovery(),
    policy,
    // LATCHKEY_GATEWAY_PORT moves the agent endpoint off its default (docs/gateway.md).
    ...(process.env['LATCHKEY_GATEWAY_PORT'] === undefined ? {} : { gateway: { port: Number(process.env['LATCHKEY_GATEWAY_PORT']) } }),
    notify: ({ title, body }) => {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
    // Only web URLs reach the OS handler: an IdP answer naming another scheme opens nothing.
    openBrowser: async (url) => {
      if (!/^https?:\/\//.test(url)) throw new Error('not a web URL');
      await shell.openExternal(url);
    },
    onUnexpectedError: (_err, method) => console.error(`[main] "${method}" failed unexpectedly`),
  });

  // Policy decides (session.lockOnSleep / lockOnScreenLock); main only relays what the OS saw.
  powerMonitor.on('suspend', () => sessionEvent('sleep'));
  powerMonitor.on('lock-screen', () => sessionEvent('screen_lock'));

  installSessionPolicies(session.defaultSession, devServerUrl === undefined ? {} : { devServerUrl });
  registerAppProtocol(protocol, rendererDir, (url) => net.fetch(url));
  app.on('web-contents-created', (_e, contents) => installNavigationGuards(contents, devServerUrl));

  let win: BrowserWindow | undefined;
  const open = (): void => {
    win = createMainWindow(devServerUrl === undefined ? { preloadPath } : { preloadPath, devServerUrl });
    win.on('closed', () => {
      win = undefined;
    });
  };
  handleMainPortRequests({
    ipcMain,
    createChannel: () => new MessageChannelMain(),
    isOurContents: (contents) => win !== undefined && contents === win.webContents,
    serve: (port, purpose) => services.serveRenderer(port, purpose),
    ...(devServerUrl === undefined ? {} : { devServerUrl }),
  });
  open();

  app.on('second-instance', () => {
    if (win !== undefined) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) open();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    policy.close();
    void close();
  });
}

/**
 * `<installed app> mcp`: the stdio bridge for clients that start commands (the snippets
 * and the .mcpb bundle point at process.execPath, since `latchkey` is not on PATH and
 * the RunAsNode fuse is off). No window, no single-instance lock: it relays stdio to the
 * running app over the agent socket and exits with the bridge's code.
 */
async function bridge(argv: string[]): Promise<void> {
  app.dock?.hide();
  const { run } = await import('../cli/commands/mcp');
  app.exit(await run(argv));
}

const cliArgs = app.isPackaged ? process.argv.slice(1) : [];
if (cliArgs[0] === 'mcp') void bridge(cliArgs.slice(1));
else void main();
