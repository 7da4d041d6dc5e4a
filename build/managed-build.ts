/**
 * Prepares a managed build: verifies the signed policy against the org public key,
 * then writes both into the directory electron-builder bakes into the app as
 * `<resources>/managed/` (see createConfig's extraResources).
 *
 *   npm run build:managed -- --policy policy.signed.json --org-key org.pub [--out out/managed]
 *   LATCHKEY_MANAGED_DIR=out/managed npx electron-builder --config build/electron-builder.config.ts --linux
 *
 * It refuses (exit 1) anything the app itself would refuse, and finally loads the
 * written directory with the app's own loader, so a build cannot ship a policy that
 * would lock every laptop out. Exit codes: 0 ok, 1 refused, 2 usage, 3 file error.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LatchkeyError, isLatchkeyError } from '../src/shared/errors';
import { parseOrgPublicKey, verifySignedPolicyText } from '../src/core/policy';
import { loadEffectivePolicy } from '../src/main/policy/loader';
import { MANAGED_KEY_FILE, MANAGED_POLICY_FILE } from '../src/main/policy/paths';
import { inMemoryPolicySerials } from '../src/main/policy/serials';

export interface ManagedBuildInput {
  readonly policyPath: string;
  readonly orgKeyPath: string;
  /** Default: out/managed (relative to the current directory). */
  readonly outDir?: string;
}

export interface ManagedBuildResult {
  readonly outDir: string;
  readonly orgName: string;
  readonly keyId: string;
  readonly files: Readonly<Record<string, string>>; // name -> sha256 hex
}

export const MANAGED_MANIFEST_FILE = 'manifest.json';

export async function prepareManagedBuild(input: ManagedBuildInput): Promise<ManagedBuildResult> {
  const outDir = path.resolve(input.outDir ?? path.join('out', 'managed'));
  const keyText = await readFile(input.orgKeyPath, 'utf8');
  const pinned = parseOrgPublicKey(keyText, input.orgKeyPath);
  if (pinned === null) throw new LatchkeyError('invalid_input', `${input.orgKeyPath} holds no org public key.`);
  const policyText = await readFile(input.policyPath, 'utf8');
  const policy = verifySignedPolicyText(policyText, pinned, input.policyPath);

  await mkdir(outDir, { recursive: true });
  // Copied byte for byte: what ships is exactly what IT signed and reviewed.
  await writeFile(path.join(outDir, MANAGED_POLICY_FILE), policyText);
  await writeFile(path.join(outDir, MANAGED_KEY_FILE), keyText);

  // The app's own loader must accept the result (no OS policy: the baked one alone).
  const effective = await loadEffectivePolicy({ managedDir: outDir, osPolicyPath: null, serials: inMemoryPolicySerials() });
  if (!effective.managed || effective.keyId !== pinned.keyId) {
    throw new LatchkeyError('internal', 'The written managed directory did not load as a managed policy.');
  }

  const files = {
    [MANAGED_POLICY_FILE]: sha256Hex(policyText),
    [MANAGED_KEY_FILE]: sha256Hex(keyText),
  };
  // Not shipped (extraResources filters it out): a record of what this build pinned.
  const manifest = { format: 'latchkey-managed-build', version: 1, org: policy.org.name, keyId: pinned.keyId, files };
  await writeFile(path.join(outDir, MANAGED_MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return { outDir, orgName: policy.org.name, keyId: pinned.keyId, files };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export async function main(argv: string[]): Promise<number> {
  let values: { policy?: string; 'org-key'?: string; out?: string };
  try {
    values = parseArgs({ args: argv, options: { policy: { type: 'string' }, 'org-key': { type: 'string' }, out: { type: 'string' } }, strict: true }).values;
  } catch (err) {
    process.stderr.write(`build:managed: ${err instanceof Error ? err.message : 'bad arguments'}\n`);
    return 2;
  }
  if (!values.policy || !values['org-key']) {
    process.stderr.write('usage: npm run build:managed -- --policy policy.signed.json --org-key org.pub [--out out/managed]\n');
    return 2;
  }
  try {
    const r = await prepareManagedBuild({ policyPath: values.policy, orgKeyPath: values['org-key'], outDir: values.out });
    process.stdout.write(
      `managed build prepared for "${r.orgName}" (org key ${r.keyId}) in ${r.outDir}\n` +
        `now run: LATCHKEY_MANAGED_DIR=${r.outDir} npx electron-builder --config build/electron-builder.config.ts --linux|--win|--mac\n`,
    );
    return 0;
  } catch (err) {
    if (isLatchkeyError(err)) {
      process.stderr.write(`build:managed: refused: ${err.message}\n`);
      return 1;
    }
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(`build:managed: file error (${code ?? 'unexpected'})\n`);
    return 3;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
