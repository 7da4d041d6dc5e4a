/**
 * The closing line of `npm test` (scripts/test.sh → scripts/summarise-tests.mjs) never
 * says "0 failed" for a run that failed: a suite that fails outside its tests, a
 * missing report, a non-zero vitest exit with every test green, and a required service
 * that did not start under CI=true all count as failures; skipped tests are named.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '../../..');
const SUMMARISER = path.join(ROOT, 'scripts/summarise-tests.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'lk-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function report(name: string, r: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(r));
  return file;
}

function summarise(...args: string[]): { lines: string[]; last: string; code: number | null } {
  const r = spawnSync(process.execPath, [SUMMARISER, ...args], { cwd: ROOT, encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  return { lines, last: lines.at(-1)!, code: r.status };
}

const LINE = /^tests: \d+ passed, \d+ failed, \d+ skipped$/;

const green = {
  numPassedTests: 2,
  numFailedTests: 0,
  numFailedTestSuites: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  testResults: [
    {
      name: path.join(ROOT, 'test/unit/a.test.ts'),
      status: 'passed',
      message: '',
      assertionResults: [
        { status: 'passed', fullName: 'a one' },
        { status: 'passed', fullName: 'a two' },
      ],
    },
  ],
};

describe('the summariser', () => {
  it('a green run: exit 0 and "0 failed"', () => {
    const r = summarise('--run', report('green.json', green), '0');
    expect(r.last).toBe('tests: 2 passed, 0 failed, 0 skipped');
    expect(r.code).toBe(0);
  });

  it('a file that failed in its beforeAll (no failed test, its tests skipped) counts as failed, and the skipped tests are named', () => {
    const r = summarise(
      '--run',
      report('setup.json', {
        numPassedTests: 1,
        numFailedTests: 0,
        numFailedTestSuites: 2,
        numPendingTests: 2,
        numTodoTests: 0,
        testResults: [
          green.testResults[0],
          {
            name: path.join(ROOT, 'test/unit/pg.test.ts'),
            status: 'failed',
            message: 'Hook timed out in 10000ms',
            assertionResults: [
              { status: 'skipped', fullName: 'pg stores a record' },
              { status: 'skipped', fullName: 'pg lists records' },
            ],
          },
        ],
      }),
      '1',
    );
    expect(r.last).toMatch(LINE);
    expect(r.last).toBe('tests: 1 passed, 1 failed, 2 skipped');
    expect(r.lines).toContain('skipped: test/unit/pg.test.ts > pg stores a record');
    expect(r.lines).toContain('skipped: test/unit/pg.test.ts > pg lists records');
    expect(r.lines.some((l) => l.startsWith('failure: test/unit/pg.test.ts') && l.includes('Hook timed out'))).toBe(true);
    expect(r.code).toBe(1);
  });

  it('failed suites with no failed test and no failed file still count', () => {
    const r = summarise('--run', report('suites.json', { ...green, numFailedTestSuites: 1 }), '1');
    expect(r.last).toBe('tests: 2 passed, 1 failed, 0 skipped');
    expect(r.code).toBe(1);
  });

  it('vitest exiting non-zero with every test passed (an unhandled error) counts as one failure', () => {
    const r = summarise('--run', report('unhandled.json', green), '1');
    expect(r.last).toBe('tests: 2 passed, 1 failed, 0 skipped');
    expect(r.code).toBe(1);
  });

  it('a missing or unreadable report counts as a failure', () => {
    writeFileSync(path.join(dir, 'torn.json'), '{"numPassedTests": 3');
    const r = summarise('--run', path.join(dir, 'absent.json'), '1', '--run', path.join(dir, 'torn.json'), '0');
    expect(r.last).toBe('tests: 0 passed, 2 failed, 0 skipped');
    expect(r.code).toBe(1);
  });

  it('failed tests add up over runs, and an --error (a service that did not start) is one more', () => {
    const red = {
      ...green,
      numPassedTests: 1,
      numFailedTests: 1,
      numFailedTestSuites: 2,
      testResults: [
        {
          ...green.testResults[0],
          status: 'failed',
          assertionResults: [
            { status: 'passed', fullName: 'a' },
            { status: 'failed', fullName: 'b' },
          ],
        },
      ],
    };
    const r = summarise('--run', report('red.json', red), '1', '--run', report('green2.json', green), '0', '--error', 'PostgreSQL did not start');
    expect(r.last).toBe('tests: 3 passed, 2 failed, 0 skipped');
    expect(r.lines).toContain('failure: PostgreSQL did not start');
    expect(r.code).toBe(1);
  });
});

describe('scripts/test.sh under CI=true', () => {
  function testSh(pgbin: string) {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', LATCHKEY_PGBIN: pgbin, LATCHKEY_TEST_PG_PORT: '55999' };
    delete env.DATABASE_URL_TEST;
    const r = spawnSync('bash', [path.join(ROOT, 'scripts/test.sh')], { cwd: ROOT, env, encoding: 'utf8' });
    return { last: r.stdout.trim().split('\n').at(-1), stderr: r.stderr, code: r.status, ranTests: /RUN|Test Files/.test(r.stdout) };
  }

  it('PostgreSQL not installed: the run fails at once, saying so, with failed >= 1', () => {
    const r = testSh(path.join(dir, 'no-such-postgres'));
    expect(r.code).toBe(1);
    expect(r.last).toBe('tests: 0 passed, 1 failed, 0 skipped');
    expect(r.stderr).toContain('PostgreSQL 15 is not installed');
    expect(r.ranTests).toBe(false);
  });

  it.runIf(process.getuid?.() === 0)('PostgreSQL that fails to start: the run fails at once, naming the port and the log', () => {
    // initdb "works", pg_ctl always fails: what a port already taken or a broken cluster looks like.
    const bin = path.join(dir, 'broken-postgres');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(path.join(bin, 'initdb'), '#!/bin/sh\nexit 0\n');
    writeFileSync(path.join(bin, 'pg_ctl'), '#!/bin/sh\necho "could not bind" >&2\nexit 1\n');
    for (const f of ['initdb', 'pg_ctl']) chmodSync(path.join(bin, f), 0o755);
    chmodSync(dir, 0o755);
    chmodSync(bin, 0o755);
    const r = testSh(bin);
    expect(r.code).toBe(1);
    expect(r.last).toBe('tests: 0 passed, 1 failed, 0 skipped');
    expect(r.stderr).toMatch(/PostgreSQL did not start on port 55999 .*log/);
    expect(r.ranTests).toBe(false);
  });
});
