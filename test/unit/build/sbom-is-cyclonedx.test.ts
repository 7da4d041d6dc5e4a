/** build/sbom.ts produces a well-formed CycloneDX 1.5 BOM from package-lock.json. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateSbom, purlOf } from '../../../build/sbom';

describe('CycloneDX SBOM', () => {
  it("the repository's lockfile: header, unique refs, a closed dependency graph, hashes and scopes", async () => {
    const lockText = await readFile('package-lock.json', 'utf8');
    const lock = JSON.parse(lockText) as { packages: Record<string, { dev?: boolean }> };
    const bom = generateSbom(lockText, { timestamp: new Date(0) });
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.specVersion).toBe('1.5');
    expect(bom.version).toBe(1);
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(bom.metadata.timestamp).toBe('1970-01-01T00:00:00.000Z');
    expect(bom.metadata.component).toMatchObject({ type: 'application', name: 'latchkey', purl: 'pkg:npm/latchkey@0.1.0' });

    const refs = bom.components.map((c) => c['bom-ref']);
    expect(new Set(refs).size).toBe(refs.length);
    expect(bom.components.length).toBeGreaterThan(100);
    const known = new Set([...refs, bom.metadata.component['bom-ref']]);
    for (const d of bom.dependencies) {
      expect(known.has(d.ref)).toBe(true);
      for (const t of d.dependsOn) expect(known.has(t)).toBe(true);
    }
    for (const c of bom.components) {
      expect(c.purl).toMatch(/^pkg:npm\/(%40[^/]+\/)?[^@/]+@.+$/);
      for (const h of c.hashes ?? []) expect(h.content).toMatch(/^[0-9a-f]+$/);
    }

    const byPurl = new Map(bom.components.map((c) => [c.purl, c]));
    const curves = byPurl.get(purlOf('@noble/curves', '2.4.0'));
    expect(curves).toMatchObject({ group: '@noble', name: 'curves', scope: 'required' });
    expect(curves?.hashes?.[0]?.alg).toBe('SHA-512');
    const rootDeps = bom.dependencies.find((d) => d.ref === 'pkg:npm/latchkey@0.1.0')!.dependsOn;
    expect(rootDeps).toContain(purlOf('@noble/curves', '2.4.0'));
    const vitestEntry = Object.entries(lock.packages).find(([p]) => p === 'node_modules/vitest')!;
    expect(vitestEntry[1].dev).toBe(true);
    expect([...byPurl.values()].find((c) => c.name === 'vitest')?.scope).toBe('excluded');
  });

  it('resolves nested installs the way Node does (nearest node_modules first)', () => {
    const lock = {
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', version: '1.0.0', dependencies: { a: '^1', b: '^1' } },
        'node_modules/a': { version: '1.0.0', dependencies: { c: '^2' } },
        'node_modules/a/node_modules/c': { version: '2.0.0', license: 'MIT OR Apache-2.0' },
        'node_modules/b': { version: '1.0.0', dependencies: { c: '^1' }, optional: true },
        'node_modules/c': { version: '1.0.0', license: 'SEE LICENSE IN LICENSE.txt' },
      },
    };
    const bom = generateSbom(JSON.stringify(lock));
    const deps = Object.fromEntries(bom.dependencies.map((d) => [d.ref, d.dependsOn]));
    expect(deps['pkg:npm/a@1.0.0']).toEqual(['pkg:npm/c@2.0.0']);
    expect(deps['pkg:npm/b@1.0.0']).toEqual(['pkg:npm/c@1.0.0']);
    const c2 = bom.components.find((c) => c.purl === 'pkg:npm/c@2.0.0');
    expect(c2?.licenses).toEqual([{ expression: 'MIT OR Apache-2.0' }]);
    expect(bom.components.find((c) => c.purl === 'pkg:npm/c@1.0.0')?.licenses).toEqual([{ license: { name: 'SEE LICENSE IN LICENSE.txt' } }]);
    expect(bom.components.find((c) => c.purl === 'pkg:npm/b@1.0.0')?.scope).toBe('optional');
  });

  it('refuses a file that is not an npm lockfile', () => {
    expect(() => generateSbom('{"name":"x"}')).toThrow();
  });
});
