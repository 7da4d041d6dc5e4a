/**
 * Env mode for agents (`run_command` with `realEnv`) through the real gateway with a run
 * proxy configured: refused before any prompt or secret without a policy and when
 * policy says `gateway.realEnvAllowed: false`; where policy allows it, the child's
 * environment holds the REAL value and no proxy, and a program that prints it has its
 * output withheld by the echo guard (the value never reaches the agent).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { loadOrCreateDeviceCa } from '../../../src/main/proxy/ca';
import { DEFAULT_PERSONAL_SETTINGS, type EffectivePolicy } from '../../../src/shared/policy';
import { call, itemId, startHarness, type Harness } from '../gateway/harness';

const SECRET = 'ghp_EnvModeSecretValue0123456789abcdXYZ';
const ID = itemId();
let h: Harness;
let token: string;

const managed = (realEnvAllowed: boolean): EffectivePolicy => ({
  managed: true,
  orgName: 'Example Org',
  policy: { version: 1, org: { name: 'Example Org' }, gateway: { realEnvAllowed } },
  locks: {},
  personal: { ...DEFAULT_PERSONAL_SETTINGS, runCommandEnabled: true },
  keyId: null,
});

beforeAll(async () => {
  const keychain = createMemoryKeychain();
  h = await startHarness([{ id: ID, name: 'GitHub', description: '', injection: { type: 'bearer' }, allowedOrigins: ['https://api.test'], secret: SECRET }], {
    runCommand: true,
    runProxy: { ca: () => loadOrCreateDeviceCa(keychain) },
  });
  token = (await h.pair('Agent')).token;
}, 30_000);
afterAll(async () => {
  await h?.close();
});

const envRun = (script: string) => ({ command: 'sh', args: ['-c', script], credentials: [{ credential: 'GitHub', env: 'TOKEN' }], realEnv: true });

describe('env mode for agents', () => {
  it('is refused without a policy and where policy turns it off, before any prompt or release', async () => {
    const client = await h.connect(token);
    const prompts = h.prompts.length;
    const released = h.audit.events.filter((e) => e.outcome === 'success').length;
    const off = await call(client, 'run_command', envRun('echo hi'));
    expect(off.isError).toBe(true);
    expect(off.text).toContain('forbidden');
    expect(off.text).toContain('placeholder');
    h.policy = managed(false);
    const byPolicy = await call(client, 'run_command', envRun('echo hi'));
    expect(byPolicy.isError).toBe(true);
    expect(byPolicy.text).toContain('Example Org');
    expect(h.prompts.length).toBe(prompts);
    expect(h.audit.events.filter((e) => e.outcome === 'success').length).toBe(released);
    expect(h.audit.events.at(-1)).toMatchObject({ action: 'credential.use', outcome: 'denied', reason: 'policy_forbidden', target: { tool: 'run_command' } });
  });

  it('where policy allows it, the child holds the real value and no proxy; printing it withholds the output', async () => {
    h.policy = managed(true);
    const client = await h.connect(token);
    const r = await call(client, 'run_command', envRun('printf %s "$TOKEN" | sha256sum | cut -c1-64; echo "proxy=${HTTPS_PROXY:-none}"'));
    expect(r.isError).toBe(false);
    const out = JSON.parse(r.text) as { exitCode: number; stdout: string };
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe(`${createHash('sha256').update(SECRET).digest('hex')}\nproxy=none\n`);

    const echo = await call(client, 'run_command', envRun('echo "$TOKEN" | base64'));
    const withheld = JSON.parse(echo.text) as { stdout: string; outputWithheld?: boolean; echoDetected?: boolean };
    expect(withheld).toMatchObject({ stdout: '', outputWithheld: true, echoDetected: true });
    expect(echo.text).not.toContain(SECRET);
    expect(JSON.stringify(h.audit.events)).not.toContain(SECRET);
  });
});
