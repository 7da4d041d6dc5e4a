/**
 * `latchkey server break-glass …` (docs/break-glass.md):
 *
 *   init     the ceremony: make the org recovery key pair, split the private key k-of-n
 *            into one share file per admin, register the PUBLIC key with the server,
 *            print the policy block; the private key is wiped, never written
 *   recover  k admins' share files → the person's org-recovery slot (over the admin
 *            API) opened in memory → a new recovery code for the person, pushed as
 *            one more slot of their vault; the code is printed once
 *
 * VK never leaves this process except wrapped (under the new code's KEK); the private
 * key, KEK and VK are wiped before the command returns, whatever happens. Too few
 * shares, a mistyped share, or shares of another ceremony are refused before any
 * request that changes something.
 */
import { randomBytes } from 'node:crypto';
import { LatchkeyError } from '../../shared/errors';
import { uuidSchema } from '../../shared/contracts/sync';
import { BREAK_GLASS_ROUTES, breakGlassKeyResponseSchema, breakGlassRecoverResponseSchema, breakGlassSlotResponseSchema } from '../../shared/contracts/break-glass';
import { wipe } from '../../core/crypto/bytes';
import { newId } from '../../core/vault/ids';
import { openKekWithOrgKey, openSlot, sealBreakGlassRecoverySlot, ORG_RECOVERY_SLOT } from '../../core/vault/slots';
import { changesOfBatch, decodeRecord } from '../../core/vault-sync/codec';
import { createAdminClient, type AdminClient } from '../admin-client';
import { parseArgv, UsageError, type CliIo } from '../args';
import { combineShares, readShareFile, runCeremony } from '../break-glass-shares';

export const BREAK_GLASS_USAGE = [
  '  latchkey server break-glass init --org ORG_ID --threshold K --admin NAME --admin NAME … --out-dir DIR --server URL --admin-key FILE',
  '  latchkey server break-glass recover --org ORG_ID --person USER_ID --share FILE --share FILE … --server URL --admin-key FILE',
].join('\n');

const OPTS = {
  org: { type: 'string' },
  person: { type: 'string' },
  threshold: { type: 'string' },
  admin: { type: 'string', multiple: true },
  share: { type: 'string', multiple: true },
  'out-dir': { type: 'string' },
  server: { type: 'string' },
  'admin-key': { type: 'string' },
} as const;

const random = { bytes: (n: number) => new Uint8Array(randomBytes(n)) };

function uuid(v: string | undefined, flag: string): string {
  if (v === undefined || !uuidSchema.safeParse(v).success) throw new UsageError(`--${flag} must be an id like 0b8e…-…`);
  return v;
}

async function api(v: { server?: string | undefined; 'admin-key'?: string | undefined }): Promise<AdminClient> {
  if (!v.server || !v['admin-key']) throw new UsageError('break-glass runs over the admin API: add --server URL --admin-key FILE');
  return createAdminClient(v.server, v['admin-key']);
}

export async function runBreakGlass(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const v = parseArgv({ args: rest, options: OPTS, strict: true, allowPositionals: false }).values;
  switch (sub) {
    case 'init':
      return init(v, io);
    case 'recover':
      return recover(v, io);
    default:
      throw new UsageError(`break-glass: unknown subcommand "${sub ?? ''}" (init or recover)`);
  }
}

type Values = ReturnType<typeof parseArgv<{ args: string[]; options: typeof OPTS; strict: true; allowPositionals: false }>>['values'];

async function init(v: Values, io: CliIo): Promise<number> {
  const orgId = uuid(v.org, 'org');
  const admins = v.admin ?? [];
  const threshold = Number(v.threshold);
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > 255) throw new UsageError('--threshold must be a whole number from 2 to 255');
  if (admins.length < threshold) throw new UsageError(`--admin must name at least ${threshold} admins (one --admin per admin)`);
  if (!v['out-dir']) throw new UsageError('--out-dir is required (where each admin\u2019s share file is written)');
  const client = await api(v);
  const c = await runCeremony({ orgId, threshold, admins, outDir: v['out-dir'] });
  await client.json('POST', BREAK_GLASS_ROUTES.key(orgId), breakGlassKeyResponseSchema, { keyId: c.keyId, publicKey: c.publicKey, threshold, admins });
  for (const [i, f] of c.files.entries()) io.err(`share for ${admins[i]}: ${f} (give it to them alone; keep it offline)`);
  io.err(`break-glass: ${threshold} of ${admins.length} admins' shares recover a vault; the private key was never written and is wiped. Add this to the policy:`);
  io.out(JSON.stringify({ recovery: { breakGlass: { orgRecoveryPublicKey: c.publicKey, keyId: c.keyId, threshold, admins } } }, null, 2));
  return 0;
}

async function recover(v: Values, io: CliIo): Promise<number> {
  const orgId = uuid(v.org, 'org');
  const userId = uuid(v.person, 'person');
  const files = v.share ?? [];
  if (files.length === 0) throw new UsageError('give each admin\u2019s share file with --share FILE');
  const client = await api(v);
  // Every share is read and checked, and their number against the threshold, before anything is fetched.
  const shares = [];
  for (const f of files) shares.push(await readShareFile(f));
  const { privateKey, keyId, admins } = await combineShares(shares, orgId);
  let kek: Uint8Array | undefined;
  let vk: Uint8Array | undefined;
  try {
    const got = await client.json('GET', BREAK_GLASS_ROUTES.slot(orgId, userId), breakGlassSlotResponseSchema);
    const d = decodeRecord(got.recordId, got.ciphertext);
    if (d?.kind !== 'slot' || d.record.kind !== ORG_RECOVERY_SLOT)
      throw new LatchkeyError('upstream_failed', 'The server sent something that is not an organisation-recovery slot.');
    kek = await openKekWithOrgKey(privateKey, got.vaultId, d.record);
    try {
      vk = openSlot(got.vaultId, d.record, kek);
    } catch {
      throw new LatchkeyError('integrity', "This person's organisation-recovery slot was altered: it does not open. Nothing was changed.", { slotId: d.record.id });
    }
    const made = sealBreakGlassRecoverySlot({ vaultId: got.vaultId, slotId: newId(random), vk, now: Date.now(), keyId, admins }, random);
    const change = changesOfBatch({ putSlots: [made.slot] })[0]!;
    const out = await client.json('POST', BREAK_GLASS_ROUTES.recover(orgId, userId), breakGlassRecoverResponseSchema, {
      keyId,
      admins,
      recordId: change.id,
      ciphertext: change.ciphertext,
    });
    // The code is the person's new way in: printed once, stored nowhere.
    io.out(made.recoveryCode);
    io.err(
      `break-glass: new recovery code for person ${out.userId} (slot ${out.recordId}); hand it to them over a trusted channel. ` +
        'Every device of theirs says so at its next sync; ask them to set up a new key and a new recovery code, then remove this one.',
    );
    return 0;
  } finally {
    wipe(privateKey, kek, vk);
  }
}
