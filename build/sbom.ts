/**
 * CycloneDX 1.5 JSON SBOM from package-lock.json (lockfileVersion 2 or 3).
 *
 *   npm run sbom                      # writes dist/latchkey.cdx.json
 *   npm run sbom -- --out -           # to stdout
 *
 * Deliberately small and dependency-free: every installed package becomes a component
 * (purl, version, SHA hashes from the lockfile's integrity, license, download URL),
 * scope "required" for what ships, "optional" for optional dependencies and "excluded"
 * for dev-only tooling; `dependencies` records the resolved graph (Node's lookup: the
 * nearest node_modules up the tree). SOURCE_DATE_EPOCH fixes the timestamp for
 * reproducible builds.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const lockEntrySchema = z.object({
  name: z.string().optional(),
  version: z.string().optional(),
  resolved: z.string().optional(),
  integrity: z.string().optional(),
  license: z.string().optional(),
  dev: z.boolean().optional(),
  optional: z.boolean().optional(),
  devOptional: z.boolean().optional(),
  link: z.boolean().optional(),
  dependencies: z.record(z.string(), z.string()).optional(),
  optionalDependencies: z.record(z.string(), z.string()).optional(),
  peerDependencies: z.record(z.string(), z.string()).optional(),
});
const lockfileSchema = z.object({
  name: z.string(),
  version: z.string(),
  lockfileVersion: z.union([z.literal(2), z.literal(3)]),
  packages: z.record(z.string(), lockEntrySchema),
});
type LockEntry = z.infer<typeof lockEntrySchema>;

export interface CdxHash {
  alg: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
  content: string;
}
export type CdxLicense = { license: { name: string } } | { expression: string };
export interface CdxComponent {
  type: 'library' | 'application';
  'bom-ref': string;
  group?: string;
  name: string;
  version: string;
  purl: string;
  scope?: 'required' | 'optional' | 'excluded';
  hashes?: CdxHash[];
  licenses?: CdxLicense[];
  externalReferences?: { type: 'distribution'; url: string }[];
}
export interface CdxBom {
  bomFormat: 'CycloneDX';
  specVersion: '1.5';
  serialNumber: string;
  version: 1;
  metadata: { timestamp: string; tools: { components: CdxComponent[] }; component: CdxComponent };
  components: CdxComponent[];
  dependencies: { ref: string; dependsOn: string[] }[];
}

export interface SbomOptions {
  readonly timestamp?: Date;
  readonly serialNumber?: string;
}

/** Builds the BOM from the lockfile's JSON text. Throws on a lockfile it cannot read. */
export function generateSbom(lockText: string, opts: SbomOptions = {}): CdxBom {
  const lock = lockfileSchema.parse(JSON.parse(lockText));
  const rootRef = purlOf(lock.name, lock.version);
  const byPath = new Map<string, { ref: string; entry: LockEntry }>();
  const components = new Map<string, CdxComponent>();

  for (const [pkgPath, entry] of Object.entries(lock.packages)) {
    if (pkgPath === '' || entry.link === true || entry.version === undefined) continue;
    const name = entry.name ?? nameFromPath(pkgPath);
    const ref = purlOf(name, entry.version);
    byPath.set(pkgPath, { ref, entry });
    const existing = components.get(ref);
    const scope = scopeOf(entry);
    if (existing) {
      // Same name@version installed twice: the stronger scope wins.
      if (scopeRank(scope) < scopeRank(existing.scope ?? 'excluded')) existing.scope = scope;
      continue;
    }
    components.set(ref, component(name, entry, ref, scope));
  }

  const graph = new Map<string, Set<string>>();
  const depsOf = (pkgPath: string, entry: LockEntry, ref: string): void => {
    const set = graph.get(ref) ?? new Set<string>();
    graph.set(ref, set);
    const names = { ...entry.peerDependencies, ...entry.optionalDependencies, ...entry.dependencies };
    for (const dep of Object.keys(names)) {
      const target = resolve(pkgPath, dep, byPath);
      if (target !== null && target !== ref) set.add(target);
    }
  };
  const root = lock.packages[''];
  if (root) depsOf('', root, rootRef);
  for (const [pkgPath, { ref, entry }] of byPath) depsOf(pkgPath, entry, ref);

  const sortedRefs = [...components.keys()].sort();
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${opts.serialNumber ?? randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: (opts.timestamp ?? new Date()).toISOString(),
      tools: { components: [{ type: 'application', 'bom-ref': 'latchkey-sbom', name: 'latchkey build/sbom.ts', version: '1', purl: 'pkg:generic/latchkey-sbom@1' }] },
      component: { type: 'application', 'bom-ref': rootRef, name: lock.name, version: lock.version, purl: rootRef },
    },
    components: sortedRefs.map((r) => components.get(r)!),
    dependencies: [rootRef, ...sortedRefs].map((r) => ({ ref: r, dependsOn: [...(graph.get(r) ?? [])].sort() })),
  };
}

/** Node's resolution over the lockfile's paths: nearest `node_modules/<dep>` walking up. */
function resolve(fromPath: string, dep: string, byPath: Map<string, { ref: string }>): string | null {
  let base = fromPath;
  for (;;) {
    const candidate = base === '' ? `node_modules/${dep}` : `${base}/node_modules/${dep}`;
    const hit = byPath.get(candidate);
    if (hit) return hit.ref;
    if (base === '') return null;
    const idx = base.lastIndexOf('node_modules/');
    base = idx <= 0 ? '' : base.slice(0, idx - 1);
  }
}

function nameFromPath(pkgPath: string): string {
  const idx = pkgPath.lastIndexOf('node_modules/');
  return idx === -1 ? pkgPath : pkgPath.slice(idx + 'node_modules/'.length);
}

/** purl spec: the npm scope is the namespace, '@' percent-encoded. */
export function purlOf(name: string, version: string): string {
  const encoded = name.startsWith('@') ? `%40${name.slice(1)}` : name;
  return `pkg:npm/${encoded}@${encodeURIComponent(version)}`;
}

function scopeOf(e: LockEntry): 'required' | 'optional' | 'excluded' {
  if (e.dev === true) return 'excluded';
  if (e.optional === true || e.devOptional === true) return 'optional';
  return 'required';
}
function scopeRank(s: string): number {
  return s === 'required' ? 0 : s === 'optional' ? 1 : 2;
}

const HASH_ALGS: Record<string, CdxHash['alg']> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

function component(name: string, e: LockEntry, ref: string, scope: CdxComponent['scope']): CdxComponent {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  const c: CdxComponent = {
    type: 'library',
    'bom-ref': ref,
    ...(slash > 0 ? { group: name.slice(0, slash) } : {}),
    name: slash > 0 ? name.slice(slash + 1) : name,
    version: e.version!,
    purl: ref,
    scope,
  };
  // SRI: "sha512-<base64> sha1-<base64>"; CycloneDX wants hex.
  const hashes = (e.integrity ?? '').split(/\s+/).flatMap((sri): CdxHash[] => {
    const m = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/=]+)$/.exec(sri);
    return m ? [{ alg: HASH_ALGS[m[1]!]!, content: Buffer.from(m[2]!, 'base64').toString('hex') }] : [];
  });
  if (hashes.length > 0) c.hashes = hashes;
  if (e.license) {
    // An SPDX id or expression goes in `expression`; anything else ("SEE LICENSE IN …") as a name.
    c.licenses = [/^[A-Za-z0-9.+\-() ]+$/.test(e.license) && !/^SEE /i.test(e.license) ? { expression: e.license } : { license: { name: e.license } }];
  }
  if (e.resolved && /^https:\/\//.test(e.resolved)) c.externalReferences = [{ type: 'distribution', url: e.resolved }];
  return c;
}

export async function main(argv: string[]): Promise<number> {
  let values: { lock?: string; out?: string };
  try {
    values = parseArgs({ args: argv, options: { lock: { type: 'string' }, out: { type: 'string' } }, strict: true }).values;
  } catch (err) {
    process.stderr.write(`sbom: ${err instanceof Error ? err.message : 'bad arguments'}\nusage: npm run sbom -- [--lock package-lock.json] [--out FILE|-]\n`);
    return 2;
  }
  const lockPath = values.lock ?? 'package-lock.json';
  const out = values.out ?? path.join('dist', 'latchkey.cdx.json');
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const bom = generateSbom(await readFile(lockPath, 'utf8'), epoch && /^\d+$/.test(epoch) ? { timestamp: new Date(Number(epoch) * 1000) } : {});
  const text = JSON.stringify(bom, null, 2) + '\n';
  if (out === '-') {
    process.stdout.write(text);
  } else {
    await mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await writeFile(out, text);
    process.stderr.write(`sbom: ${bom.components.length} components -> ${out}\n`);
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`sbom: ${err instanceof Error ? err.message : 'failed'}\n`);
      process.exitCode = 1;
    },
  );
}
