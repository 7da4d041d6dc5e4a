/**
 * run_command: not offered until the person turns it on; when on, the program gets the
 * secret in its environment (and nothing of main's environment beyond the basics); a
 * program that prints its credential — raw, base64, split across writes — has its
 * output withheld by the echo guard (and the next run asks again).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { call, errorCode, itemId, startHarness, type Harness } from './harness';

const SECRET = 'cmd-secret-Zz0123456789abcdef';
const creds = [{ id: itemId(), name: 'Deploy key', description: 'for the deploy script', injection: { type: 'bearer' as const }, allowedOrigins: [], secret: SECRET }];
const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

describe('run_command', () => {
  it('is neither listed nor callable while off', async () => {
    const h = await startHarness(creds);
    harnesses.push(h);
    const c = await h.connect((await h.pair()).token);
    expect((await c.listTools()).tools.map((t) => t.name)).not.toContain('run_command');
    const r = await call(c, 'run_command', { command: process.execPath, args: ['-e', '1'], credentials: [{ credential: 'Deploy key', env: 'TOKEN' }] });
    expect(errorCode(r.text)).toBe('not_found');
    expect(h.vault.useCount).toBe(0);
  });

  it("when on: the secret reaches the child env; its echoes are withheld; main's env is not inherited", async () => {
    process.env.LATCHKEY_TEST_PARENT_ONLY = 'parent-env-value';
    const h = await startHarness(creds, { runCommand: true });
    harnesses.push(h);
    const c = await h.connect((await h.pair()).token);
    const script = [
      'const t = process.env.TOKEN;',
      'process.stdout.write(t.slice(0, 7)); setTimeout(() => { process.stdout.write(t.slice(7) + "\\n");',
      'console.log(Buffer.from(t).toString("base64"));',
      'console.log("len=" + t.length + " parent=" + (process.env.LATCHKEY_TEST_PARENT_ONLY ?? "none"));',
      'console.error(Buffer.from(t).toString("hex")); }, 20);',
    ].join(' ');
    const quiet = 'console.log("len=" + process.env.TOKEN.length + " parent=" + (process.env.LATCHKEY_TEST_PARENT_ONLY ?? "none"));';
    const q = await call(c, 'run_command', { command: process.execPath, args: ['-e', quiet], credentials: [{ credential: 'Deploy key', env: 'TOKEN' }] });
    expect(q.isError).toBe(false);
    const qOut = JSON.parse(q.text) as { exitCode: number; stdout: string };
    expect(qOut.exitCode).toBe(0);
    expect(qOut.stdout).toContain(`len=${SECRET.length} parent=none`);
    const r = await call(c, 'run_command', { command: process.execPath, args: ['-e', script], credentials: [{ credential: 'Deploy key', env: 'TOKEN' }] });
    expect(r.isError).toBe(false);
    const out = JSON.parse(r.text) as { exitCode: number; stdout: string; stderr: string; outputWithheld?: boolean; echoDetected?: boolean };
    expect(out.exitCode).toBe(0);
    expect(out).toMatchObject({ stdout: '', stderr: '', outputWithheld: true, echoDetected: true });
    expect(r.text).not.toContain(SECRET);
    expect(r.text).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 20));
    expect(r.text).not.toContain(Buffer.from(SECRET).toString('hex'));
    expect(h.audit.events.some((e) => e.target?.tool === 'run_command' && e.reason === 'echo_detected')).toBe(true);
    expect(h.prompts[0]).toMatchObject({ tool: 'run_command', destination: expect.stringContaining('command: ') });
  });

  it('stops a program that overruns its time limit', async () => {
    const h = await startHarness(creds, { runCommand: true });
    harnesses.push(h);
    const c = await h.connect((await h.pair()).token);
    const r = await call(c, 'run_command', {
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      credentials: [{ credential: 'Deploy key', env: 'TOKEN' }],
      timeoutMs: 300,
    });
    expect(JSON.parse(r.text)).toMatchObject({ timedOut: true });
  });
});
