/**
 * electron-builder configuration: Linux AppImage + deb, Windows NSIS, macOS dmg.
 *
 *   npm run build                                  # electron-vite → out/{main,preload,renderer}
 *   npx electron-builder --config build/electron-builder.config.ts --linux   (or --win, --mac)
 *
 * A managed build (policy + pinned org key baked in) is prepared by
 * `npm run build:managed -- --policy policy.signed.json --org-key org.pub`, which
 * verifies both and prints the command to run, setting LATCHKEY_MANAGED_DIR.
 *
 * Installers cannot be built on machines that cannot download the Electron binary;
 * test/unit/build checks this file against electron-builder's own schema instead.
 */
import type { Configuration } from 'electron-builder';
import { flipLatchkeyFuses } from './fuses';

/** Debian requires a maintainer; this is the project's public contact (SECURITY.md). */
const MAINTAINER = 'Latchkey maintainers <security@latchkey.invalid>';

export interface LatchkeyBuildOptions {
  /** Directory holding policy.json + org-policy-key, verified by build/managed-build.ts. */
  readonly managedDir?: string;
}

export function createConfig(opts: LatchkeyBuildOptions = {}): Configuration {
  const managed = opts.managedDir !== undefined && opts.managedDir !== '';
  return {
    appId: 'dev.latchkey.desktop',
    productName: 'Latchkey',
    executableName: 'latchkey',
    copyright: 'Copyright © Latchkey contributors',
    directories: { output: 'dist', buildResources: 'build' },
    // Only the bundled app: sources, tests and tooling never ship. node_modules'
    // production dependencies are added by electron-builder itself.
    files: ['out/main/**', 'out/preload/**', 'out/renderer/**', 'package.json', '!**/*.map'],
    asar: true,
    // Native modules (keytar, node-hid) must live outside the archive to be loaded.
    asarUnpack: ['**/*.node'],
    // keytar and node-hid are Node-API modules with prebuilt binaries: no rebuild for Electron's ABI.
    npmRebuild: false,
    nodeGypRebuild: false,
    buildDependenciesFromSource: false,
    extraResources: managed ? [{ from: opts.managedDir, to: 'managed', filter: ['policy.json', 'org-policy-key'] }] : [],
    artifactName: managed ? '${productName}-${version}-managed-${arch}.${ext}' : '${productName}-${version}-${arch}.${ext}',
    afterPack: flipLatchkeyFuses,
    publish: null,
    linux: {
      target: ['AppImage', 'deb'],
      category: 'Utility',
      maintainer: MAINTAINER,
      synopsis: 'Encrypted credential vault for AI agents',
    },
    // keytar talks to the Secret Service via libsecret; node-hid needs libusb and libudev.
    deb: { depends: ['libsecret-1-0', 'libusb-1.0-0', 'libudev1'] },
    win: { target: ['nsis'] },
    nsis: {
      oneClick: false,
      perMachine: false,
      allowToChangeInstallationDirectory: true,
      // A managed install's policy lives in %ProgramData%; uninstalling must not remove it.
      deleteAppDataOnUninstall: false,
    },
    mac: {
      target: ['dmg'],
      category: 'public.app-category.productivity',
      hardenedRuntime: true,
      entitlements: 'build/entitlements.mac.plist',
      entitlementsInherit: 'build/entitlements.mac.plist',
    },
    dmg: { sign: false },
  };
}

export default createConfig({ managedDir: process.env.LATCHKEY_MANAGED_DIR });
