/**
 * `latchkey run` / `latchkey inject` against a running app: the real gateway over a
 * real engine (gateway-over-engine.ts) serving its local socket, the CLI's real client
 * (connectApp) and run-core. Proxy mode runs the proxy in main: a real curl gets a
 * placeholder, the HTTPS test server the secret. Env mode masks the value; inject
 * writes 0600 and warns. A denied prompt, a locked vault and a refused destination each
 * give a clear error and a signed record; malformed and oversized messages get a typed
 * error on a connection that stays usable (or closes), never a crash or hang.
 */
import 'fake-indexeddb/auto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectApp, type AppClient } from '../../../src/cli/commands/app-resolver';
import { injectTemplate } from '../../../src/cli/commands/inject-core';
import { parseRunArgs, runWithReferences, type RunDeps } from '../../../src/cli/commands/run-core';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { loadOrCreateDeviceCa } from '../../../src/main/proxy/ca';
import type { ApprovalAnswer, PendingApproval } from '../../../src/shared/contracts/gateway';
import type { AuditEvent } from '../../../src/shared/contracts/engine';
import { referenceFor } from '../../../src/renderer/items/reference-for';
import { PASSWORD, apiDraft, makeHarness, type Harness } from '../core/helpers';
import { startGatewayOverEngine, type GatewayOverEngine } from '../../promises/gateway-over-engine';
import { createTestCa, runChild, startUpstream, type Upstream } from './harness';

const SECRET = 'ghp_TerminalSecretValue0123456789abcdefXY';
const REF = 'latchkey://Personal/GitHub/secret';
const dir = mkdtempSync(path.join(os.tmpdir(), 'lk-term-'));
const socketPath = path.join(dir, 'run', 'gateway.sock');
let h: Harness;
let main: GatewayOverEngine;
let api: Upstream;
let itemId: string;
const prompts: PendingApproval[] = [];
let nextAnswer: ApprovalAnswer = 'once';
let out: { stdout: string; stderr: string };

function sink(key: 'stdout' | 'stderr'): PassThrough {
  const s = new PassThrough();
  s.on('data', (d: Buffer) => (out[key] += d.toString()));
  return s;
}
const events = (): AuditEvent[] => h.audit;
/** The Terminal's signed record (the engine's item.release for the same use comes after it). */
const lastUse = (): AuditEvent | undefined =>
  events()
    .filter((e) => e.action === 'credential.use')
    .at(-1);

async function withApp<T>(f: (app: AppClient, deps: RunDeps) => Promise<T>): Promise<T> {
  const app = await connectApp(socketPath);
  out = { stdout: '', stderr: '' };
  try {
    return await f(app, {
      resolver: app.resolver,
      startRun: (c, e) => app.startRun(c, e),
      baseEnv: { PATH: process.env.PATH, HOME: dir, NO_PROXY: '*' },
      stdout: sink('stdout'),
      stderr: sink('stderr'),
    });
  } finally {
    app.close();
  }
}

beforeAll(async () => {
  const testCa = await createTestCa();
  api = await startUpstream(testCa, ['api.test']);
  h = makeHarness();
  await h.engine.createVault(PASSWORD);
  const d = apiDraft('GitHub');
  itemId = (
    await h.engine.createItem({
      overview: { ...d.overview, allowedOrigins: ['GET https://api.test/echo/*'] },
      details: { ...d.details, secret: SECRET } as typeof d.details,
    })
  ).id;
  await h.engine.createItem({
    overview: { ...d.overview, title: 'AWS root', allowedOrigins: ['https://api.test'], canary: true },
    details: { ...d.details, secret: 'AKIA-canary-0123456789abcdefXYZ' } as typeof d.details,
  });
  const keychain = createMemoryKeychain();
  main = await startGatewayOverEngine(h.engine, {
    answer: (p) => {
      prompts.push(p);
      return nextAnswer;
    },
    options: {
      socketPath,
      runProxy: {
        ca: () => loadOrCreateDeviceCa(keychain),
        upstreamCa: [testCa.certPem],
        dial: async (host) => {
          if (host === 'api.test') return { address: '127.0.0.1', port: api.port };
          throw new Error('no such host');
        },
      },
    },
  });
}, 60_000);
afterAll(async () => {
  await main?.close();
  await api?.close();
});

describe('latchkey run through the app', () => {
  it('proxy mode: the person approves; curl holds a placeholder; the server gets the secret; records name the command', async () => {
    nextAnswer = 'once';
    const a = await parseRunArgs(['--env', `GH=${REF}`, '--', 'sh', '-c', 'echo "env=$GH"; curl -sS -H "Authorization: Bearer $GH" https://api.test/echo/a']);
    const code = await withApp((_app, deps) => runWithReferences(deps, a));
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    const ph = /env=(ghp_[A-Za-z0-9]+)/.exec(out.stdout)![1]!;
    expect(ph).not.toBe(SECRET);
    expect(out.stdout).toContain(`seen GET /echo/a Bearer ${ph}`);
    expect(out.stdout).not.toContain(SECRET);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(prompts.at(-1)).toMatchObject({ agentName: 'Terminal', credentialName: 'GitHub', destination: 'command: sh' });
    const all = JSON.stringify(events());
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(ph);
    expect(events().some((e) => e.action === 'credential.use' && e.outcome === 'success' && e.target?.tool === 'latchkey_run' && e.target.command === 'sh')).toBe(true);
    expect(events().some((e) => e.target?.origin === 'https://api.test' && e.target.command === 'sh' && e.outcome === 'success')).toBe(true);
  });

  it('a disallowed destination (POST) is refused by the proxy in main and signed as a failure', async () => {
    nextAnswer = 'once';
    const before = api.requests.length;
    const a = await parseRunArgs([
      '--env',
      `GH=${REF}`,
      '--',
      'sh',
      '-c',
      'curl -sS -o /dev/null -w "%{http_code}" -X POST -H "Authorization: Bearer $GH" https://api.test/echo/a',
    ]);
    expect(await withApp((_app, deps) => runWithReferences(deps, a))).toBe(0);
    expect(out.stdout).toBe('403');
    expect(api.requests.length).toBe(before);
    expect(lastUse()).toMatchObject({ outcome: 'failure', reason: 'destination_refused', target: { origin: 'https://api.test', command: 'sh', tool: 'latchkey_run' } });
  });

  it('--real-env: the child has the value, its output is masked raw and base64', async () => {
    nextAnswer = 'once';
    const a = await parseRunArgs([
      '--real-env',
      '--env',
      `GH=${REF}`,
      '--',
      process.execPath,
      '-e',
      'const k=process.env.GH; console.log(k); console.log(Buffer.from(k).toString("base64")); console.log("len=" + k.length)',
    ]);
    expect(await withApp((_app, deps) => runWithReferences(deps, a))).toBe(0);
    expect(out.stdout).toContain(`len=${SECRET.length}`);
    expect(out.stdout).not.toContain(SECRET);
    expect(out.stdout).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 24));
    expect(prompts.at(-1)).toMatchObject({ agentName: 'Terminal', destination: `command: ${path.basename(process.execPath)}` });
  });

  it('the reference "Copy reference" makes resolves to that item: by title, or by id when the title is shared', async () => {
    nextAnswer = 'once';
    const vaultId = (await h.engine.status()).vaultId!;
    const d = apiDraft('GitHub');
    // A second item with the same title: a title reference would be refused, so the UI writes the id.
    const twinId = (
      await h.engine.createItem({
        overview: { ...d.overview, allowedOrigins: ['https://api.test'] },
        details: { ...d.details, secret: 'ghp_TwinSecret0123456789abcdefghijkl' } as typeof d.details,
      })
    ).id;
    try {
      for (const [id, secret] of [
        [itemId, SECRET],
        [twinId, 'ghp_TwinSecret0123456789abcdefghijkl'],
      ] as const) {
        const ref = referenceFor({ vaultId, itemId: id, title: 'GitHub', titleIsUnique: false, field: 'secret' });
        expect(ref).toBe(`latchkey://${vaultId}/${id}/secret`);
        const a = await parseRunArgs(['--real-env', '--env', `GH=${ref}`, '--', process.execPath, '-e', 'console.log("len=" + process.env.GH.length)']);
        expect(await withApp((_app, deps) => runWithReferences(deps, a))).toBe(0);
        expect(out.stdout).toBe(`len=${secret.length}
`);
        expect(lastUse()).toMatchObject({ action: 'credential.use', target: { itemId: id } });
      }
    } finally {
      await h.engine.deleteItem(twinId);
    }
    const byTitle = referenceFor({ vaultId, itemId, title: 'GitHub', titleIsUnique: true, field: 'secret' });
    expect(byTitle).toBe(`latchkey://${vaultId}/GitHub/secret`);
    const a = await parseRunArgs(['--real-env', '--env', `GH=${byTitle}`, '--', process.execPath, '-e', 'console.log("len=" + process.env.GH.length)']);
    expect(await withApp((_app, deps) => runWithReferences(deps, a))).toBe(0);
    expect(out.stdout).toBe(`len=${SECRET.length}
`);
  });

  it('a denied prompt: a clear error, nothing runs, a signed refusal', async () => {
    nextAnswer = 'deny';
    const marker = path.join(dir, 'ran');
    const a = await parseRunArgs(['--env', `GH=${REF}`, '--', 'sh', '-c', `touch ${marker}`]);
    await expect(withApp((_app, deps) => runWithReferences(deps, a))).rejects.toMatchObject({ code: 'approval_denied', message: expect.stringContaining('You declined GitHub') });
    expect(() => statSync(marker)).toThrow();
    expect(lastUse()).toMatchObject({ outcome: 'failure', reason: 'approval_denied', target: { itemId, tool: 'latchkey_run', command: 'sh' } });
    nextAnswer = 'once';
  });

  it('no answer is remembered: "always" and "session" still ask at the next resolution (any same-user process can connect)', async () => {
    for (const answer of ['always', 'session', 'always'] as const) {
      nextAnswer = answer;
      const before = prompts.length;
      const a = await parseRunArgs(['--real-env', '--env', `GH=${REF}`, '--', 'true']);
      expect(await withApp((_app, deps) => runWithReferences(deps, a))).toBe(0);
      expect(prompts.length).toBe(before + 1);
      expect(lastUse()).toMatchObject({ outcome: 'success', reason: 'approved_once', target: { tool: 'latchkey_run', command: 'true' } });
    }
    nextAnswer = 'once';
  });

  it('a canary item is never released to the terminal, and the attempt is signed', async () => {
    const before = prompts.length;
    const a = await parseRunArgs(['--real-env', '--env', 'K=latchkey://Personal/AWS%20root/secret', '--', 'true']);
    await expect(withApp((_app, deps) => runWithReferences(deps, a))).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('canary') });
    expect(prompts.length).toBe(before);
    expect(lastUse()).toMatchObject({ outcome: 'failure', reason: 'canary_tripped', target: { tool: 'latchkey_run' } });
  });

  it('app not running: a message naming what to start', async () => {
    await expect(connectApp(path.join(dir, 'nothing.sock'))).rejects.toThrow(/Start the Latchkey app/);
  });
});

describe('latchkey inject through the app', () => {
  it('writes the value 0600 and warns; the prompt names the file; the record too', async () => {
    nextAnswer = 'once';
    const tpl = path.join(dir, 'config.tpl');
    const dst = path.join(dir, 'config.yml');
    writeFileSync(tpl, `token: {{ ${REF} }}\n`);
    const warnings: string[] = [];
    await withApp((app) => injectTemplate(app.resolver, tpl, dst, (l) => warnings.push(l)));
    expect(readFileSync(dst, 'utf8')).toBe(`token: ${SECRET}\n`);
    expect(statSync(dst).mode & 0o777).toBe(0o600);
    expect(warnings.join('\n')).toMatch(/holds 1 secret in the clear/);
    expect(prompts.at(-1)).toMatchObject({ agentName: 'Terminal', destination: 'file: config.yml' });
    expect(lastUse()).toMatchObject({ action: 'credential.use', outcome: 'success', target: { tool: 'latchkey_inject', command: 'config.yml', itemId } });
  });
});

describe('the latchkey command itself (bin/latchkey.mjs, LATCHKEY_SOCKET)', () => {
  const bin = path.join(__dirname, '../../../bin/latchkey.mjs');
  it('run: proxy mode end to end; inject: a 0600 file; each approved in the app', async () => {
    nextAnswer = 'once';
    const env = { HOME: dir, LATCHKEY_SOCKET: socketPath };
    const r = await runChild(
      process.execPath,
      [bin, 'run', '--env', `GH=${REF}`, '--', 'sh', '-c', 'echo "env=$GH"; curl -sS -H "Authorization: Bearer $GH" https://api.test/echo/b'],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ph = /env=(ghp_[A-Za-z0-9]+)/.exec(r.stdout)![1]!;
    expect(r.stdout).toContain(`seen GET /echo/b Bearer ${ph}`);
    expect(r.stdout).not.toContain(SECRET);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    const tpl = path.join(dir, 'cli.tpl');
    const dst = path.join(dir, 'cli.env');
    writeFileSync(tpl, `GH={{ ${REF} }}\n`);
    const i = await runChild(process.execPath, [bin, 'inject', '-i', tpl, '-o', dst], env);
    expect(i.code).toBe(0);
    expect(i.stderr).toMatch(/holds 1 secret in the clear/);
    expect(readFileSync(dst, 'utf8')).toBe(`GH=${SECRET}\n`);
    expect(statSync(dst).mode & 0o777).toBe(0o600);
  }, 60_000);

  it('app not running: exit 1 and a message naming what to start', async () => {
    const r = await runChild(process.execPath, [bin, 'run', '--env', `GH=${REF}`, '--', 'true'], { HOME: dir, LATCHKEY_SOCKET: path.join(dir, 'none.sock') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Latchkey is not running .*Start the Latchkey app/);
  }, 60_000);
});

describe('the terminal endpoint refuses bad input', () => {
  async function raw(lines: string[]): Promise<string[]> {
    const s = net.connect(socketPath);
    await new Promise((r) => s.once('connect', r));
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.write(JSON.stringify({ latchkey: 'cli', version: 1 }) + '\n');
    for (const l of lines) s.write(l);
    await new Promise<void>((r) => {
      const check = (): void => {
        if (got.split('\n').length > lines.length + 1 || s.destroyed) r();
        else setTimeout(check, 20);
      };
      s.on('close', () => r());
      check();
    });
    s.destroy();
    return got
      .trim()
      .split('\n')
      .map((l) => l);
  }

  it('not JSON, an unknown op and a bad reference each get a typed error; the connection stays usable', async () => {
    const replies = await raw(['nope\n', '{"id":1,"op":"steal"}\n', '{"id":2,"op":"resolve","reference":"latchkey://x","purpose":"run:sh"}\n', '{"id":3,"op":"ca"}\n']);
    const parsed = replies.map((l) => JSON.parse(l) as { id: number | null; ok: boolean; error?: { code: string; message: string } });
    expect(parsed[0]).toMatchObject({ ok: true });
    expect(parsed[1]).toMatchObject({ id: null, ok: false, error: { code: 'invalid_input' } });
    expect(parsed[2]).toMatchObject({ id: 1, ok: false, error: { code: 'invalid_input' } });
    expect(parsed[3]).toMatchObject({ id: 2, ok: false, error: { code: 'invalid_input', message: expect.stringContaining('reference') } });
    expect(parsed[4]).toMatchObject({ id: 3, ok: true, result: { certPem: expect.stringContaining('BEGIN CERTIFICATE') } });
    expect(JSON.stringify(parsed)).not.toContain('PRIVATE KEY');
  });

  it('an oversized message gets a typed error and the connection closes', async () => {
    const replies = await raw(['x'.repeat(200 * 1024)]);
    expect(JSON.parse(replies.at(-1)!)).toMatchObject({ id: null, ok: false, error: { code: 'invalid_input', message: expect.stringContaining('bytes') } });
  });
});

describe('a locked vault', () => {
  it('says to unlock Latchkey', async () => {
    h.engine.lock();
    const a = await parseRunArgs(['--env', `GH=${REF}`, '--', 'true']);
    await expect(withApp((_app, deps) => runWithReferences(deps, a))).rejects.toMatchObject({ code: 'vault_locked', message: expect.stringContaining('Unlock Latchkey') });
  });
});
