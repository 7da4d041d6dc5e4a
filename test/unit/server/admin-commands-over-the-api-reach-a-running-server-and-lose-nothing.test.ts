/**
 * `latchkey server …` admin commands over the admin API of a real running server
 * process (on-disk PGlite, which no second process may open): the first admin key is
 * registered on the stopped data dir, then create-org / create-user / enrol-code run
 * against the running server, the issued code enrols a device (enrolDevice, as the
 * app does), a revoked admin is refused, concurrent admin commands all land, and an
 * audit export taken over the API verifies with `latchkey audit verify`.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as serverCli } from '../../../src/cli/commands/server';
import { run as auditCli } from '../../../src/cli/commands/audit';
import { MemoryAuditStore, createAuditLog, createEd25519Signer } from '../../../src/core/audit';
import { createServerApi, enrolDevice, uploadPendingAudit } from '../../../src/core/sync';
import { capture, killHard, spawnServer } from './server-process';
import { newSigner, nodeFetch, nodeRandom } from './helpers';

const children: ChildProcess[] = [];
let tmp = '';
let url = '';
let savedDbUrl: string | undefined;
const keyA = () => join(tmp, 'alice-admin.key');
const keyB = () => join(tmp, 'bob-admin.key');

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const c = capture();
  const code = await serverCli(args, c.io);
  return { code, out: c.out, err: c.err };
}
const asA = () => ['--server', url, '--admin-key', keyA()];
const one = (out: string[], re: RegExp): string => {
  const m = re.exec(out[0] ?? '');
  if (!m) throw new Error(`unexpected output: ${out.join('\n')}`);
  return m[1]!;
};

let bobId = '';
beforeAll(async () => {
  savedDbUrl = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  tmp = mkdtempSync(join(tmpdir(), 'lk-adminapi-'));
  const dataDir = join(tmp, 'pgdata');
  const pubA = (await cli(['admin-keygen', '--out', keyA()])).out[0]!;
  const pubB = (await cli(['admin-keygen', '--out', keyB()])).out[0]!;
  // Bootstrap on the stopped data dir: the only way to register the first admin.
  expect((await cli(['add-admin', '--name', 'alice', '--public-key', pubA, '--data-dir', dataDir])).code).toBe(0);
  const b = await cli(['add-admin', '--name', 'bob', '--public-key', pubB, '--data-dir', dataDir]);
  bobId = one(b.out, /^admin (\S+)$/);
  // Checkpoints every second, so the export comes with one to verify against.
  url = (await spawnServer({ dataDir }, ['--checkpoint-seconds', '1'], children)).url;
}, 120_000);

afterAll(async () => {
  for (const c of children) await killHard(c);
  rmSync(tmp, { recursive: true, force: true });
  if (savedDbUrl !== undefined) process.env.DATABASE_URL = savedDbUrl;
});

describe('admin commands against a running server', () => {
  let orgId = '';
  let userId = '';

  it('the key file is private and its secret never printed', async () => {
    const text = readFileSync(keyA(), 'utf8');
    const secret = (JSON.parse(text) as { secretKey: string }).secretKey;
    const again = await cli(['admin-keygen', '--out', keyA()]);
    expect(again.code).toBe(1); // never overwritten
    expect(readFileSync(keyA(), 'utf8')).toBe(text);
    expect([...again.out, ...again.err].join('\n')).not.toContain(secret);
  });

  it('create-org, create-user and enrol-code succeed, and the code enrols a device', async () => {
    const o = await cli(['create-org', '--name', 'Acme', ...asA()]);
    expect(o.code).toBe(0);
    orgId = one(o.out, /^org (\S+)$/);
    const u = await cli(['create-user', '--org', orgId, '--name', 'carol', ...asA()]);
    expect(u.code).toBe(0);
    userId = one(u.out, /^user (\S+)$/);
    const e = await cli(['enrol-code', '--org', orgId, '--user', userId, ...asA()]);
    expect(e.code).toBe(0);
    const code = e.out[0]!;

    const signer = newSigner();
    const enrolled = await enrolDevice({ baseUrl: url, fetch: nodeFetch }, code, signer.publicKey, 'carol laptop');
    expect(enrolled).toMatchObject({ orgId, userId });

    const l = await cli(['list-devices', '--org', orgId, ...asA()]);
    expect(l.code).toBe(0);
    expect(l.out).toEqual([expect.stringMatching(new RegExp(`^${enrolled.deviceId}  user ${userId}  active  enrolled \\S+Z by code  last seen never  carol laptop$`))]);

    // The device uploads audit records; an export over the API verifies offline.
    const log = createAuditLog({ store: new MemoryAuditStore(), signer: createEd25519Signer(signer.secretKey), deviceId: enrolled.deviceId });
    for (let i = 0; i < 4; i++) await log.append({ action: 'item.reveal', actor: { type: 'person' }, target: { itemId: 'B'.repeat(22), field: 'password' }, outcome: 'success' });
    await log.append({ action: 'item.reveal', actor: { type: 'agent', id: 'agent-1' }, target: { itemId: 'C'.repeat(22) }, outcome: 'denied', reason: 'grant_denied' });
    const api = createServerApi({ baseUrl: url, fetch: nodeFetch, random: nodeRandom, signer, clock: { now: Date.now }, identity: enrolled });
    expect(await uploadPendingAudit(api, log)).toBe(5);

    const out = join(tmp, 'export.jsonl');
    const cps = join(tmp, 'checkpoints.jsonl');
    const keys = join(tmp, 'keys.json');
    // Until the server's checkpoint job (every second) covers the five records. No count
    // of tries: on a loaded machine the job can lag for many seconds, and a capped loop
    // could fall through to assertions on an export without the checkpoint. The test's own
    // timeout is the only bound.
    for (;;) {
      const c = capture();
      expect(
        await auditCli(
          ['export', '--server', url, '--admin-key', keyA(), '--org', orgId, '--format', 'jsonl', '--out', out, '--checkpoints-out', cps, '--pubkeys-out', keys],
          c.io,
        ),
      ).toBe(0);
      if (readFileSync(cps, 'utf8').includes('"size":5')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    // Five records and the seal that signs their chain head (format v3).
    const exported = readFileSync(out, 'utf8').trim().split('\n');
    expect(exported).toHaveLength(6);
    expect(exported.filter((l) => l.includes('"type":"seal"'))).toHaveLength(1);
    const v = capture();
    expect(await auditCli(['verify', out, '--pubkeys', keys, '--checkpoints', cps, '--log', orgId], v.io)).toBe(0);
    expect(v.out.join('')).toMatch(/^OK: 5 record\(s\) from 1 device\(s\) verified; 1 signed checkpoint\(s\) match/);

    // A tampered copy of the same export does not verify.
    const bad = join(tmp, 'bad.jsonl');
    const lines = readFileSync(out, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('"outcome":"success"', '"outcome":"failure"');
    writeFileSync(bad, lines.join('\n'));
    expect(await auditCli(['verify', bad, '--pubkeys', keys, '--checkpoints', cps], capture().io)).toBe(1);

    // Filters: by outcome and by agent, as JSON lines and CSV.
    const denied = capture();
    expect(await auditCli(['export', '--server', url, '--admin-key', keyA(), '--org', orgId, '--format', 'jsonl', '--outcome', 'denied'], denied.io)).toBe(0);
    expect(
      denied.out
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).seq),
    ).toEqual([5]);
    const csv = capture();
    expect(await auditCli(['export', '--server', url, '--admin-key', keyA(), '--org', orgId, '--format', 'csv', '--agent', 'agent-1'], csv.io)).toBe(0);
    const rows = csv.out.join('').trim().split('\r\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain('agent-1');
    const none = capture();
    expect(await auditCli(['export', '--server', url, '--admin-key', keyA(), '--org', orgId, '--format', 'jsonl', '--since', '2999-01-01T00:00:00.000Z'], none.io)).toBe(0);
    expect(none.out.join('').trim()).toBe('');

    // A filter by device keeps that device's whole chain and its seal: it still verifies.
    const oneDevice = join(tmp, 'one-device.jsonl');
    expect(
      await auditCli(['export', '--server', url, '--admin-key', keyA(), '--org', orgId, '--format', 'jsonl', '--device', enrolled.deviceId, '--out', oneDevice], capture().io),
    ).toBe(0);
    expect(readFileSync(oneDevice, 'utf8').trim().split('\n')).toHaveLength(6);
    const vOne = capture();
    expect(await auditCli(['verify', oneDevice, '--pubkeys', keys], vOne.io)).toBe(0);
    expect(vOne.out.join('')).toMatch(/^OK: 5 record\(s\) from 1 device\(s\) verified/);
  }, 180_000);

  it('no admin action is lost: concurrent commands all land, and each is in the admin log', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `person-${i}`);
    const results = await Promise.all(names.map((n) => cli(['create-user', '--org', orgId, '--name', n, ...asA()])));
    expect(results.map((r) => r.code)).toEqual(names.map(() => 0));
    const ids = results.map((r) => one(r.out, /^user (\S+)$/));
    const listed = await cli(['list-users', '--org', orgId, ...asA()]);
    for (const id of ids) expect(listed.out.some((l) => l.startsWith(id))).toBe(true);
    expect(listed.out.filter((l) => / person-\d+$/.test(l))).toHaveLength(12);

    const log = await cli(['admin-log', '--limit', '200', ...asA()]);
    for (const id of ids) expect(log.out.some((l) => l.includes(' create_person  ok') && l.endsWith(id))).toBe(true);
    // The bootstrap on the data dir is in the log too (by the server host, no admin key).
    expect(log.out.filter((l) => l.includes('server-host  add_admin  ok'))).toHaveLength(2);
  });

  it('a revoked admin is refused, and the refusal is recorded', async () => {
    const asB = ['--server', url, '--admin-key', keyB()];
    expect((await cli(['list-orgs', ...asB])).code).toBe(0);
    expect((await cli(['revoke-admin', '--admin', bobId, ...asA()])).code).toBe(0);
    const refused = await cli(['create-org', '--name', 'Evil', ...asB]);
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/admin key was revoked/);
    const orgs = await cli(['list-orgs', ...asA()]);
    expect(orgs.out.some((l) => l.endsWith('  Evil'))).toBe(false);
    const log = await cli(['admin-log', ...asA()]);
    expect(log.out.some((l) => l.includes(`${bobId}  create_org  refused (admin_revoked)`))).toBe(true);
  });

  it('errors are typed and in plain words: an unknown org, a person of another org', async () => {
    const r = await cli(['create-user', '--org', '00000000-0000-4000-8000-000000000000', '--name', 'x', ...asA()]);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/No such organisation/);
    const u = await cli(['enrol-code', '--org', orgId, '--user', '00000000-0000-4000-8000-000000000000', ...asA()]);
    expect(u.code).toBe(1);
    expect(u.err[0]).toMatch(/No such active person/);
  });
});
