/**
 * The electron-builder configuration is valid for electron-builder itself (its own
 * loader and JSON schema), targets the promised platforms, ships only the bundle in
 * an asar, and its afterPack hook really flips the fuses in an Electron binary.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getCurrentFuseWire, FuseV1Options } from '@electron/fuses';
import config, { createConfig } from '../../../build/electron-builder.config';
import { LATCHKEY_FUSES, electronBinaryPath, flipLatchkeyFuses } from '../../../build/fuses';
import { APP_ORIGIN } from '../../../src/main/app/security';

/** Every fuse and the value we intend, written out here rather than read from build/fuses.ts. */
const INTENDED = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  LoadBrowserProcessSpecificV8Snapshot: false,
  GrantFileProtocolExtraPrivileges: false,
} as const;

const require = createRequire(import.meta.url);
interface EbConfigModule {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<Record<string, unknown>>;
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
}
const eb = require('app-builder-lib/out/util/config/config.js') as EbConfigModule;
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

describe('electron-builder config', () => {
  it("loads through electron-builder's own loader and passes its schema", async () => {
    const loaded = await eb.getConfig(process.cwd(), 'build/electron-builder.config.ts', null);
    expect(typeof loaded.afterPack).toBe('function');
    await eb.validateConfiguration(loaded, new DebugLogger(false));
    await eb.validateConfiguration(createConfig({ managedDir: 'out/managed' }), new DebugLogger(false));
  });

  it('targets AppImage + deb, NSIS and dmg', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.mac?.hardenedRuntime).toBe(true);
  });

  it('packs only the built bundle into an asar, without rebuilding Node-API modules', () => {
    expect(config.asar).toBe(true);
    expect(config.files).toEqual(expect.arrayContaining(['out/main/**', 'out/preload/**', 'out/renderer/**', 'package.json']));
    expect((config.files as string[]).some((f) => /^(src|test|build|docs)\b/.test(f))).toBe(false);
    expect(config.npmRebuild).toBe(false);
    expect(config.asarUnpack).toEqual(['**/*.node']);
  });

  it('an ordinary build bakes no policy; a managed build bakes exactly the policy and the pinned key', () => {
    expect(createConfig().extraResources).toEqual([]);
    expect(createConfig({ managedDir: '/tmp/m' }).extraResources).toEqual([{ from: '/tmp/m', to: 'managed', filter: ['policy.json', 'org-policy-key'] }]);
  });

  it('declares an intended value for every fuse Electron has', () => {
    expect(LATCHKEY_FUSES).toEqual(INTENDED);
    // A fuse added by a newer @electron/fuses must be decided here, not left at its default.
    const known = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k)));
    expect(known.sort()).toEqual(Object.keys(INTENDED).sort());
  });

  it('the renderer is never loaded from file:// (GrantFileProtocolExtraPrivileges is off)', async () => {
    const window = await readFile(path.join(__dirname, '../../../src/main/app/window.ts'), 'utf8');
    expect(window).toMatch(/loadURL\(opts\.devServerUrl \?\? `\$\{APP_ORIGIN\}\/index\.html`\)/);
    expect(window).not.toMatch(/loadFile|file:\/\//);
    expect(APP_ORIGIN.startsWith('app://')).toBe(true);
  });

  it('the afterPack hook flips the fuses in the packed binary', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lk-fuses-'));
    try {
      // A stand-in Electron binary: the fuse sentinel, wire version 1, 8 fuses, all at Electron's defaults.
      const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
      // Electron's defaults, in wire order: RunAsNode on, cookie encryption off, NODE_OPTIONS on,
      // inspect on, asar integrity off, only-asar off, v8 snapshot off, file privileges on.
      const defaults = '10110001';
      const binary = Buffer.concat([Buffer.from('ELF…padding…'), Buffer.from(SENTINEL), Buffer.from([1, 8]), Buffer.from(defaults), Buffer.from('…rest')]);
      const ctx = { appOutDir: dir, electronPlatformName: 'linux', packager: { appInfo: { productFilename: 'Latchkey' }, executableName: 'latchkey' } };
      expect(electronBinaryPath(ctx)).toBe(path.join(dir, 'latchkey'));
      await writeFile(path.join(dir, 'latchkey'), binary);

      await flipLatchkeyFuses(ctx);

      const wire = (await getCurrentFuseWire(path.join(dir, 'latchkey'))) as unknown as Record<number, number>;
      const on = 49,
        off = 48;
      for (const [name, value] of Object.entries(INTENDED)) {
        expect({ name, wire: wire[FuseV1Options[name as keyof typeof FuseV1Options]] }).toEqual({ name, wire: value ? on : off });
      }
      // The rest of the file is unchanged in length.
      expect((await readFile(path.join(dir, 'latchkey'))).length).toBe(binary.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds the binary on every platform', () => {
    const base = { appOutDir: '/o', packager: { appInfo: { productFilename: 'Latchkey' }, executableName: 'latchkey' } };
    expect(electronBinaryPath({ ...base, electronPlatformName: 'win32' })).toBe(path.join('/o', 'Latchkey.exe'));
    expect(electronBinaryPath({ ...base, electronPlatformName: 'darwin' })).toBe(path.join('/o', 'Latchkey.app'));
  });

  it('the afterPack hook fails the build when the binary has no fuse wire', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lk-fuses-'));
    try {
      await writeFile(path.join(dir, 'latchkey'), 'not electron');
      await expect(
        flipLatchkeyFuses({ appOutDir: dir, electronPlatformName: 'linux', packager: { appInfo: { productFilename: 'L' }, executableName: 'latchkey' } }),
      ).rejects.toThrow(/sentinel/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
