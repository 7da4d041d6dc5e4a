/**
 * `latchkey policy keygen|sign|verify` — the tools IT uses to produce policy files.
 *
 * Exit codes: 0 done / valid; 1 refused (policy invalid, signature or key check failed,
 * signing refused); 2 usage error; 3 a file could not be read or written.
 * The signing key never appears in any output.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isLatchkeyError } from '../../shared/errors';
import { POLICY_FIELDS } from '../../shared/policy';
import { tryParseStrictJson } from '../../shared/encoding/strict-json';
import { buildEffectivePolicy, generateOrgKeyPair, parseOrgPublicKey, parseOrgSigningKey, signPolicy, verifySignedPolicyText } from '../../core/policy';
import { parseArgv, processLineIo as processIo, UsageError, type CliIo } from '../args';

export type { CliIo };

export const summary = 'make an org policy key pair, sign a policy file, verify a signed policy';

const USAGE = [
  'usage:',
  '  latchkey policy keygen --out DIR                 write DIR/org.key (secret, mode 600) and DIR/org.pub',
  '  latchkey policy sign --key org.key --in policy.json --out policy.signed.json [--serial N]',
  '                                                   N: higher than every policy signed before (default:',
  '                                                   the policy\'s own "serial", else the time in seconds)',
  '  latchkey policy verify --org-key org.pub FILE    check a signed policy as a managed build would',
  '',
  'exit codes: 0 ok, 1 refused (invalid or not verified), 2 usage, 3 file error',
].join('\n');

class FileError extends Error {}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'keygen':
        return await keygen(rest, io);
      case 'sign':
        return await sign(rest, io);
      case 'verify':
        return await verify(rest, io);
      case undefined:
      case 'help':
      case '--help':
        io.err(USAGE);
        return sub === undefined ? 2 : 0;
      default:
        io.err(`latchkey policy: unknown subcommand "${sub}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`latchkey policy: ${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof FileError) {
      io.err(`latchkey policy: ${err.message}`);
      return 3;
    }
    if (isLatchkeyError(err)) {
      io.err(`latchkey policy: ${err.message}`);
      return 1;
    }
    io.err('latchkey policy: unexpected failure');
    return 1;
  }
}

/** Parses `--name value` options (`names` required, `optional` not) and an exact number of positionals. */
function options<K extends string, O extends string = never>(
  argv: string[],
  names: readonly K[],
  positionals: number,
  optional: readonly O[] = [],
): { values: Record<K, string>; optional: Partial<Record<O, string>>; positionals: string[] } {
  const spec: Record<string, { type: 'string' }> = {};
  for (const name of [...names, ...optional]) spec[name] = { type: 'string' };
  const parsed: { values: Record<string, unknown>; positionals: string[] } = parseArgv({ args: argv, options: spec, allowPositionals: positionals > 0, strict: true });
  const values = {} as Record<K, string>;
  for (const name of names) {
    const v = parsed.values[name];
    if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
    values[name] = v;
  }
  const opt: Partial<Record<O, string>> = {};
  for (const name of optional) {
    const v = parsed.values[name];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value`);
    opt[name] = v;
  }
  if (parsed.positionals.length !== positionals) throw new UsageError(positionals === 1 ? 'expected one policy FILE' : 'unexpected arguments');
  return { values, optional: opt, positionals: parsed.positionals };
}

async function keygen(argv: string[], io: CliIo): Promise<number> {
  const { values } = options(argv, ['out'], 0);
  const { signingKey, publicKey } = generateOrgKeyPair();
  const keyFile = path.join(values.out, 'org.key');
  const pubFile = path.join(values.out, 'org.pub');
  try {
    await mkdir(values.out, { recursive: true });
    // 'wx': never overwrite an existing key — losing the old one would orphan every laptop pinned to it.
    await writeFile(keyFile, JSON.stringify(signingKey, null, 2) + '\n', { flag: 'wx', mode: 0o600 });
    await chmod(keyFile, 0o600);
    await writeFile(pubFile, JSON.stringify(publicKey, null, 2) + '\n', { flag: 'wx', mode: 0o644 });
  } catch (err) {
    throw new FileError(`cannot write the key pair in ${values.out} (${(err as NodeJS.ErrnoException).code ?? 'error'}); an existing org.key or org.pub is never overwritten`);
  }
  io.out(`wrote ${keyFile} (SECRET: keep it offline, readable only by you) and ${pubFile} (key id ${publicKey.keyId})`);
  io.out('next: npm run build:managed -- --policy policy.signed.json --org-key org.pub');
  return 0;
}

async function sign(argv: string[], io: CliIo): Promise<number> {
  const { values, optional } = options(argv, ['key', 'in', 'out'], 0, ['serial']);
  let serialArg: number | undefined;
  if (optional.serial !== undefined) {
    if (!/^[1-9][0-9]{0,15}$/.test(optional.serial) || !Number.isSafeInteger(Number(optional.serial)))
      throw new UsageError('--serial must be a whole number from 1 to 9007199254740991');
    serialArg = Number(optional.serial);
  }
  const signingKey = parseOrgSigningKey(await readText(values.key), values.key);
  // Strict: what gets signed is what every reader reads; a repeated member name would
  // let this parser and another disagree on the policy the signature covers.
  const parsed = tryParseStrictJson(await readText(values.in));
  if (!parsed.ok) {
    io.err(`latchkey policy: ${values.in} is not valid JSON (${parsed.message})`);
    return 1;
  }
  let policy = parsed.value;
  // Every signed policy carries a serial, so devices can refuse an older one (docs/policy.md "Serial").
  if (policy !== null && typeof policy === 'object' && !Array.isArray(policy)) {
    const own = (policy as Record<string, unknown>).serial;
    const serial = serialArg ?? (own === undefined ? Math.floor(Date.now() / 1000) : own);
    policy = { ...(policy as Record<string, unknown>), serial };
  }
  const envelope = signPolicy(policy, signingKey);
  try {
    await writeFile(values.out, JSON.stringify(envelope, null, 2) + '\n');
  } catch (err) {
    throw new FileError(`cannot write ${values.out} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  io.out(`signed ${values.in} with key ${envelope.keyId}, serial ${String((envelope.policy as { serial?: unknown }).serial)} -> ${values.out}`);
  return 0;
}

async function verify(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = options(argv, ['org-key'], 1);
  const file = positionals[0]!;
  const keyFile = values['org-key'];
  const pinned = parseOrgPublicKey(await readText(keyFile), keyFile);
  if (pinned === null) {
    io.err(`latchkey policy: ${keyFile} holds no key (an empty slot)`);
    return 1;
  }
  const policy = verifySignedPolicyText(await readText(file), pinned, file);
  const effective = buildEffectivePolicy([{ policy, source: 'os', path: file }], undefined, pinned.keyId);
  const locked = POLICY_FIELDS.filter((f) => effective.locks[f] !== undefined);
  io.out(
    `OK: ${file} is a valid version ${policy.version} policy for "${policy.org.name}", serial ${policy.serial ?? '0 (none: refused by a device that applied a serialled one)'}, signed by key ${pinned.keyId}`,
  );
  io.out(`managed fields (${locked.length}): ${locked.length === 0 ? '(none)' : locked.join(', ')}`);
  return 0;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new FileError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
