/**
 * `latchkey server` admin commands against a real PostgreSQL (DATABASE_URL): create an
 * org and a person, issue a one-time enrolment code, revoke the person (no more codes).
 * Skipped without DATABASE_URL_TEST (an on-disk PGlite per command is too slow here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/commands/server';
import { enrolCodeSchema } from '../../../src/shared/contracts/sync';
import { REAL_PG_URL, createPgDatabase } from './helpers';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe.skipIf(!REAL_PG_URL)('latchkey server admin commands', () => {
  let saved: string | undefined;
  beforeAll(async () => {
    saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = await createPgDatabase();
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  });

  it('creates an org and a person, issues a code, and refuses codes after the person is revoked', async () => {
    const c1 = capture();
    expect(await run(['create-org', '--name', 'Acme'], c1.io)).toBe(0);
    const orgId = /^org (\S+)$/.exec(c1.out[0]!)![1]!;
    const c2 = capture();
    expect(await run(['create-user', '--org', orgId, '--name', 'alice'], c2.io)).toBe(0);
    const userId = /^user (\S+)$/.exec(c2.out[0]!)![1]!;
    const c3 = capture();
    expect(await run(['enrol-code', '--org', orgId, '--user', userId], c3.io)).toBe(0);
    expect(enrolCodeSchema.safeParse(c3.out[0]).success).toBe(true);
    expect(await run(['revoke-user', '--org', orgId, '--user', userId], capture().io)).toBe(0);
    const c4 = capture();
    expect(await run(['enrol-code', '--org', orgId, '--user', userId], c4.io)).toBe(1);
    expect(c4.err.join('\n')).toMatch(/No such active person/);
  });

  it('usage errors exit 2 and name the problem', async () => {
    const c = capture();
    expect(await run(['revoke-device', '--org', 'not-an-id', '--device', 'x'], c.io)).toBe(2);
    expect(c.err[0]).toMatch(/--org must be an id/);
  });
});
