/**
 * The layer rules in eslint.config.js fail the build only if they fire: each fixture in
 * test/fixtures/lint breaks one rule and is linted as if it sat in the layer it names
 * (lintText with a filePath inside that layer), through the project's real config.
 * Each rule is also shown NOT to fire on the import it allows, so a rule that fires on
 * everything would fail here too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const fixture = (name: string) => readFileSync(join(root, 'test/fixtures/lint', name), 'utf8');

let eslint: ESLint;
beforeAll(() => {
  // Virtual file paths are in no TypeScript program: the type-aware rules are switched
  // off; the layer rules need no types.
  eslint = new ESLint({ cwd: root, overrideConfigFile: join(root, 'eslint.config.js'), overrideConfig: [tseslint.configs.disableTypeChecked] });
});

/** Rule ids reported for the fixture linted as `asPath`; a parse error fails loudly. */
async function rulesFired(name: string, asPath: string): Promise<string[]> {
  const [result] = await eslint.lintText(fixture(name), { filePath: join(root, asPath) });
  if (!result) throw new Error('ESLint returned no result');
  const fatal = result.messages.find((m) => m.fatal === true);
  if (fatal) throw new Error(`fixture ${name} did not parse: ${fatal.message}`);
  return result.messages.map((m) => m.ruleId ?? 'none');
}

const LAYERS = 'import-x/no-restricted-paths';
const BUILTINS = 'import-x/no-nodejs-modules';

describe('src/shared imports nothing from the other layers', () => {
  it('an import of src/core from src/shared fails', async () => {
    expect(await rulesFired('shared-imports-core.ts', 'src/shared/lint-fixture.ts')).toContain(LAYERS);
  });
  it('an import within src/shared passes', async () => {
    expect(await rulesFired('shared-imports-shared.ts', 'src/shared/lint-fixture.ts')).toEqual([]);
  });
});

describe('src/core imports only src/shared and itself, and no runtime-specific module', () => {
  it('an import of src/main from src/core fails', async () => {
    expect(await rulesFired('core-imports-main.ts', 'src/core/lint-fixture.ts')).toContain(LAYERS);
  });
  it('an import of src/shared from src/core passes', async () => {
    expect(await rulesFired('core-imports-shared.ts', 'src/core/lint-fixture.ts')).toEqual([]);
  });
  it('node:fs and bare path both fail in src/core', async () => {
    expect((await rulesFired('core-imports-node-builtins.ts', 'src/core/lint-fixture.ts')).filter((r) => r === BUILTINS)).toHaveLength(2);
  });
  it('react and a type-only electron import both fail in src/core', async () => {
    expect((await rulesFired('core-imports-react-and-electron.ts', 'src/core/lint-fixture.ts')).filter((r) => r === 'no-restricted-imports')).toHaveLength(2);
  });
});

describe('src/renderer never imports src/main or src/server', () => {
  it('imports of main and server from the renderer both fail', async () => {
    expect((await rulesFired('renderer-imports-main-and-server.ts', 'src/renderer/lint-fixture.ts')).filter((r) => r === LAYERS)).toHaveLength(2);
  });
  it('imports of core and shared from the renderer pass', async () => {
    expect(await rulesFired('renderer-imports-core-and-shared.ts', 'src/renderer/lint-fixture.ts')).toEqual([]);
  });
});

describe('src/preload imports only src/shared', () => {
  it('an import of src/core from the preload fails', async () => {
    expect(await rulesFired('preload-imports-core.ts', 'src/preload/lint-fixture.ts')).toContain(LAYERS);
  });
  it('shared and electron pass in the preload', async () => {
    expect(await rulesFired('preload-imports-shared-and-electron.ts', 'src/preload/lint-fixture.ts')).toEqual([]);
  });
});

describe('only the shell loads electron', () => {
  it('a value import of electron in src/main/gateway fails', async () => {
    expect(await rulesFired('electron-value-import.ts', 'src/main/gateway/lint-fixture.ts')).toContain('@typescript-eslint/no-restricted-imports');
  });
  it('a value import of electron in src/shared fails', async () => {
    expect(await rulesFired('electron-value-import.ts', 'src/shared/rpc/adapters/lint-fixture.electron.ts')).toContain('@typescript-eslint/no-restricted-imports');
  });
  it('a type-only import of electron outside the shell passes', async () => {
    expect(await rulesFired('electron-type-import.ts', 'src/main/gateway/lint-fixture.ts')).toEqual([]);
  });
  it('a value import of electron in src/main/app and src/main/index.ts passes', async () => {
    expect(await rulesFired('electron-value-import.ts', 'src/main/app/lint-fixture.ts')).toEqual([]);
    expect(await rulesFired('electron-value-import.ts', 'src/main/index.ts')).toEqual([]);
  });
  it("import('electron') and require('electron') outside the shell fail, in src/main, src/renderer and src/core", async () => {
    for (const at of ['src/main/gateway/lint-fixture.ts', 'src/renderer/lint-fixture.ts', 'src/core/crypto/lint-fixture.ts']) {
      expect(await rulesFired('electron-dynamic-import.ts', at)).toContain('no-restricted-syntax');
      expect(await rulesFired('electron-require.ts', at)).toContain('no-restricted-syntax');
    }
  });
  it("import('electron') and require('electron') in the shell pass", async () => {
    for (const at of ['src/main/app/lint-fixture.ts', 'src/main/index.ts', 'src/preload/lint-fixture.ts']) {
      expect(await rulesFired('electron-dynamic-import.ts', at)).toEqual([]);
      expect(await rulesFired('electron-require.ts', at)).toEqual([]);
    }
  });
});

describe('a file’s runtime suffix matches where it sits and what it imports', () => {
  it('a *.node.ts file inside src/core fails', async () => {
    expect(await rulesFired('node-suffixed-file.ts', 'src/core/crypto/lint-fixture.node.ts')).toContain('no-restricted-syntax');
  });
  it('the same file in src/node passes', async () => {
    expect(await rulesFired('node-suffixed-file.ts', 'src/node/lint-fixture.node.ts')).toEqual([]);
  });
  it('a *.browser.ts file importing a Node built-in fails, wherever it sits', async () => {
    expect(await rulesFired('browser-imports-node-builtin.ts', 'src/shared/rpc/adapters/lint-fixture.browser.ts')).toContain(BUILTINS);
  });
  it('a *.node.ts adapter outside core may import Node built-ins', async () => {
    expect(await rulesFired('browser-imports-node-builtin.ts', 'src/shared/rpc/adapters/lint-fixture.node.ts')).toEqual([]);
  });
});
