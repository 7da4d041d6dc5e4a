/**
 * On Node 20 the first AsyncLocalStorage.run (or any enabled createHook) turns on
 * promise hooks for the whole process, which roughly doubles the cost of every await in
 * main — the gateway, the MCP SDK and the HTTP server — for the rest of the app's life.
 * The DLP scan runs on every agent result, so it must not be what turns them on. Checked
 * in a fresh process, since the test runner may use async hooks itself.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');

describe('DLP scans', () => {
  it('find secrets without turning on async hooks, one at a time or concurrently', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/unit/gateway/fixtures/dlp-async-hooks-probe.ts')], { cwd: ROOT });
    expect(JSON.parse(stdout.trim())).toEqual({ used: [], redacted: true });
  }, 60_000);
});
