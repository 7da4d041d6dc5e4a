/**
 * Electron fuses: switches compiled into the Electron binary that turn off ways to
 * run code in our process other than the app we ship. Flipped by electron-builder's
 * afterPack hook, i.e. before code signing (signing after flipping keeps the
 * signature valid; flipping after signing would break it).
 *
 * Why each one:
 *  - RunAsNode off: ELECTRON_RUN_AS_NODE would turn the signed app into a general
 *    Node interpreter that any local process could drive with our identity.
 *  - EnableCookieEncryption on: the cookie store is encrypted with the OS keychain.
 *  - EnableNodeOptionsEnvironmentVariable off: NODE_OPTIONS (--require) would inject code.
 *  - EnableNodeCliInspectArguments off: --inspect / SIGUSR1 would attach a debugger to main,
 *    which holds one decrypted secret per gateway invocation.
 *  - EnableEmbeddedAsarIntegrityValidation on: app.asar must match the hash in the binary
 *    (macOS, Windows), so editing the app (or its baked policy) breaks it.
 *  - OnlyLoadAppFromAsar on: no loose `app/` folder can be loaded instead of app.asar.
 *  - GrantFileProtocolExtraPrivileges off: pages on file:// get no more than a browser
 *    gives them (no fetch of other files, no service workers). We never load a page
 *    from file://: the renderer is served on app://latchkey/ (src/main/app/app-protocol.ts),
 *    whose handler reads files from main with net.fetch, which this fuse does not touch.
 *  - LoadBrowserProcessSpecificV8Snapshot off (Electron's default, stated so the test
 *    pins every fuse): we ship no custom snapshot.
 *
 * @electron/fuses ships with electron-builder 26 (a dependency of app-builder-lib).
 */
import path from 'node:path';
import { FuseV1Options, FuseVersion, flipFuses, type FuseV1Config } from '@electron/fuses';

/** The fuse settings by name, for documentation and tests. */
export const LATCHKEY_FUSES = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  LoadBrowserProcessSpecificV8Snapshot: false,
  GrantFileProtocolExtraPrivileges: false,
} as const satisfies Partial<Record<keyof typeof FuseV1Options, boolean>>;

export function fuseConfig(platform: string): FuseV1Config {
  const config: FuseV1Config = {
    version: FuseVersion.V1,
    // Flipping bytes invalidates macOS's ad-hoc signature; arm64 refuses to run without one.
    resetAdHocDarwinSignature: platform === 'darwin',
  };
  for (const [name, value] of Object.entries(LATCHKEY_FUSES)) {
    config[FuseV1Options[name as keyof typeof FuseV1Options]] = value;
  }
  return config;
}

/** The subset of electron-builder's AfterPackContext this hook reads. */
export interface FuseHookContext {
  readonly appOutDir: string;
  readonly electronPlatformName: string;
  readonly packager: {
    readonly appInfo: { readonly productFilename: string };
    /** Linux only: the executable's file name. */
    readonly executableName?: string;
  };
}

/** Where the Electron binary (or, on macOS, the .app bundle) sits in the packed output. */
export function electronBinaryPath(ctx: FuseHookContext): string {
  const { appOutDir, electronPlatformName, packager } = ctx;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.app`);
    case 'win32':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    default:
      return path.join(appOutDir, packager.executableName ?? packager.appInfo.productFilename);
  }
}

/** electron-builder afterPack hook. Throws (failing the build) if the binary has no fuse wire. */
export async function flipLatchkeyFuses(ctx: FuseHookContext): Promise<void> {
  await flipFuses(electronBinaryPath(ctx), fuseConfig(ctx.electronPlatformName));
}
