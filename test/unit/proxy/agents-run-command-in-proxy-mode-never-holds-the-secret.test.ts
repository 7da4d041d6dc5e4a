/**
 * run_command through the real gateway with proxy mode configured: the agent's command
 * (real curl) holds a placeholder; the upstream receives the secret; the agent's result
 * holds only the placeholder; each swap and the refused exfiltration are signed records
 * naming the command and the destination origin, never the value.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { loadOrCreateDeviceCa } from '../../../src/main/proxy/ca';
import { call, itemId, startHarness, type Harness } from '../gateway/harness';
import { createTestCa, startUpstream, type Upstream } from './harness';

const SECRET = 'ghp_AgentSecretValue0123456789abcdefXYZ';
const ID = itemId();
let api: Upstream;
let h: Harness;
let token: string;

beforeAll(async () => {
  const testCa = await createTestCa();
  api = await startUpstream(testCa, ['api.test']);
  const keychain = createMemoryKeychain();
  h = await startHarness([{ id: ID, name: 'GitHub', description: '', injection: { type: 'bearer' }, allowedOrigins: ['GET https://api.test/echo/*'], secret: SECRET }], {
    runCommand: true,
    runProxy: {
      ca: () => loadOrCreateDeviceCa(keychain),
      upstreamCa: [testCa.certPem],
      dial: async (host) => {
        if (host === 'api.test') return { address: '127.0.0.1', port: api.port };
        throw new Error('no such host');
      },
    },
  });
  token = (await h.pair('Agent')).token;
}, 30_000);
afterAll(async () => {
  await h?.close();
  await api?.close();
});

describe('run_command in proxy mode', () => {
  it('the server gets the secret; the child and the agent see only the placeholder; the swap is signed', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'lk-home-'));
    const r = await call(await h.connect(token), 'run_command', {
      command: 'sh',
      args: ['-c', `HOME=${home}; echo "env=$TOKEN"; curl -sS -H "Authorization: Bearer $TOKEN" https://api.test/echo/a`],
      credentials: [{ credential: 'GitHub', env: 'TOKEN' }],
    });
    const out = JSON.parse(r.text) as { exitCode: number; stdout: string; stderr: string };
    expect(out.stderr).toBe('');
    expect(out.exitCode).toBe(0);
    const ph = /env=(ghp_[A-Za-z0-9]+)/.exec(out.stdout)![1]!;
    expect(ph).not.toBe(SECRET);
    expect(out.stdout).toContain(`seen GET /echo/a Bearer ${ph}`);
    expect(r.text).not.toContain(SECRET);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    const uses = h.audit.events.filter((e) => JSON.stringify(e).includes('"origin":"https://api.test"'));
    expect(uses.length).toBeGreaterThan(0);
    expect(uses.at(-1)).toMatchObject({ action: 'credential.use', outcome: 'success', target: { tool: 'run_command', command: 'sh', origin: 'https://api.test', method: 'GET' } });
    expect(JSON.stringify(h.audit.events)).toContain('"command":"sh"');
    expect(JSON.stringify(h.audit.events)).not.toContain(SECRET);
    expect(JSON.stringify(h.audit.events)).not.toContain(ph);
  });

  it('the placeholder sent where the item does not allow is refused, signed as a failure, and raises a placeholder_refused alert', async () => {
    const before = api.requests.length;
    const r = await call(await h.connect(token), 'run_command', {
      command: 'sh',
      args: ['-c', 'curl -sS -o /dev/null -w "%{http_code}" -X POST -H "Authorization: Bearer $TOKEN" https://api.test/echo/a'],
      credentials: [{ credential: 'GitHub', env: 'TOKEN' }],
    });
    expect((JSON.parse(r.text) as { stdout: string }).stdout).toBe('403');
    expect(api.requests.length).toBe(before);
    // The refusal, then the anomaly alert it raises (rule placeholder_refused, docs/gateway.md §15): both signed, neither with a value.
    const [refusal, alert] = h.audit.events.slice(-2);
    expect(JSON.stringify(refusal)).toContain('destination_refused');
    expect(refusal).toMatchObject({ outcome: 'failure', target: { command: 'sh', origin: 'https://api.test', method: 'POST' } });
    expect(alert).toMatchObject({
      action: 'alert.raised',
      outcome: 'success',
      target: { itemId: ID, tool: 'run_command', origin: 'https://api.test', method: 'POST', rule: 'placeholder_refused' },
    });
    expect(JSON.stringify(alert)).not.toContain(SECRET);
  });
});
