/**
 * References to every field of every item kind, resolved by the engine
 * ('references.resolve' / 'references.release') through the running app: the real
 * gateway over a real engine, the CLI's real client, curl through the run proxy in main.
 * A login's password and an SSH private key reach `latchkey inject` and
 * `run --real-env`; a login in proxy mode is swapped only toward its URL's origin; an SSH
 * key in proxy mode is refused with a message pointing to --real-env / inject; the vault
 * part must name the open vault; every use is asked and signed before the engine releases
 * the value, and the engine's release names the field.
 */
import 'fake-indexeddb/auto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectApp } from '../../../src/cli/commands/app-resolver';
import { injectTemplate } from '../../../src/cli/commands/inject-core';
import { parseRunArgs, runWithReferences, type RunDeps } from '../../../src/cli/commands/run-core';
import { createMemoryKeychain } from '../../../src/main/keychain/keychain.memory';
import { loadOrCreateDeviceCa } from '../../../src/main/proxy/ca';
import type { AuditEvent } from '../../../src/shared/contracts/engine';
import type { ApprovalAnswer, PendingApproval } from '../../../src/shared/contracts/gateway';
import { PASSWORD, makeHarness, noteDraft, sshDraft, type Harness } from '../core/helpers';
import { startGatewayOverEngine, type GatewayOverEngine } from '../../promises/gateway-over-engine';
import { createTestCa, startUpstream, type Upstream } from './harness';

const PW = 'Login-Password-0123456789abcdefXYZ';
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----';
const dir = mkdtempSync(path.join(os.tmpdir(), 'lk-allrefs-'));
const socketPath = path.join(dir, 'run', 'gateway.sock');
let h: Harness;
let main: GatewayOverEngine;
let api: Upstream;
let loginId: string;
let sshId: string;
let noteId: string;
const prompts: PendingApproval[] = [];
let nextAnswer: ApprovalAnswer = 'once';
let out: { stdout: string; stderr: string };

const events = (): AuditEvent[] => h.audit;
const uses = (): AuditEvent[] => events().filter((e) => e.action === 'credential.use');

function sink(key: 'stdout' | 'stderr'): PassThrough {
  const s = new PassThrough();
  s.on('data', (d: Buffer) => (out[key] += d.toString()));
  return s;
}

async function run(args: string[]): Promise<number> {
  const app = await connectApp(socketPath);
  out = { stdout: '', stderr: '' };
  const deps: RunDeps = {
    resolver: app.resolver,
    startRun: (c, e) => app.startRun(c, e),
    baseEnv: { PATH: process.env.PATH, HOME: dir, NO_PROXY: '*' },
    stdout: sink('stdout'),
    stderr: sink('stderr'),
  };
  try {
    return await runWithReferences(deps, await parseRunArgs(args));
  } finally {
    app.close();
  }
}

async function inject(template: string): Promise<string> {
  const tpl = path.join(dir, 'in.tpl');
  const dst = path.join(dir, 'out.conf');
  writeFileSync(tpl, template);
  const app = await connectApp(socketPath);
  try {
    await injectTemplate(app.resolver, tpl, dst, () => undefined);
  } finally {
    app.close();
  }
  return readFileSync(dst, 'utf8');
}

beforeAll(async () => {
  const testCa = await createTestCa();
  api = await startUpstream(testCa, ['api.test']);
  h = makeHarness();
  await h.engine.createVault(PASSWORD);
  loginId = (
    await h.engine.createItem({
      overview: { kind: 'login', title: 'Example Login', username: 'alice', urls: ['https://api.test/login', 'not a url'], tags: [] },
      details: {
        kind: 'login',
        password: PW,
        totp: 'otpauth://totp/Example:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example',
        notes: 'plain note',
        customFields: [
          { id: 'pin', name: 'PIN', concealed: true, value: '4321' },
          { id: 'hint', name: 'Hint', concealed: false, value: 'blue' },
        ],
      },
    })
  ).id;
  const s = sshDraft();
  sshId = (await h.engine.createItem({ overview: s.overview, details: { ...s.details, privateKey: KEY } as typeof s.details })).id;
  noteId = (await h.engine.createItem(noteDraft())).id;
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

/** Every engine release of `itemId` comes after a signed Terminal record of the same item. */
function expectRecordedBeforeRelease(itemId: string): void {
  const all = events();
  const releases = all.map((e, i) => [e, i] as const).filter(([e]) => e.action === 'item.release' && e.target?.itemId === itemId);
  expect(releases.length).toBeGreaterThan(0);
  for (const [, i] of releases) {
    const before = all
      .slice(0, i)
      .reverse()
      .find((e) => e.action === 'credential.use');
    expect(before).toMatchObject({ outcome: 'success', actor: { type: 'person' }, target: { itemId } });
  }
}

describe('latchkey inject: every field of every kind', () => {
  it('login (password, username, current TOTP code, notes, custom by name and by id), SSH key (private, public, passphrase), note text', async () => {
    nextAnswer = 'once';
    const promptsBefore = prompts.length;
    const releasesBefore = events().filter((e) => e.action === 'item.release').length;
    const text = await inject(
      [
        'pw={{ latchkey://Personal/Example%20Login/password }}',
        'user={{ latchkey://personal/Example%20Login/username }}',
        'otp={{ latchkey://Personal/example%20login/totp }}',
        'notes={{ latchkey://Personal/Example%20Login/notes }}',
        'pin={{ latchkey://Personal/Example%20Login/PIN }}',
        `hint={{ latchkey://Personal/${loginId}/custom:hint }}`,
        'key={{ latchkey://Personal/Deploy%20key/privateKey }}',
        'pub={{ latchkey://Personal/Deploy%20key/publicKey }}',
        'pp={{ latchkey://Personal/Deploy%20key/passphrase }}',
        'note={{ latchkey://Personal/Safe%20combination/text }}',
        '',
      ].join('\n'),
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe(`pw=${PW}`);
    expect(lines[1]).toBe('user=alice');
    // The current code, never the seed.
    expect(lines[2]).toMatch(/^otp=\d{6}$/);
    expect(text).not.toContain('GEZDGNBV');
    expect(lines.slice(3, 6)).toEqual(['notes=plain note', 'pin=4321', 'hint=blue']);
    expect(text).toContain(`key=${KEY}\n`);
    expect(text).toContain('pub=ssh-ed25519 AAAA deploy\npp=pp\nnote=12-34-56\n');
    // Asked every time, one prompt per slot, the item's title and the file.
    expect(prompts.length - promptsBefore).toBe(10);
    expect(prompts.at(-1)).toMatchObject({ agentName: 'Terminal', credentialName: 'Safe combination', destination: 'file: out.conf' });
    const released = events()
      .filter((e) => e.action === 'item.release')
      .slice(releasesBefore)
      .map((e) => e.target?.field);
    expect(released).toEqual(['password', 'username', 'totp', 'notes', 'custom:pin', 'custom:hint', 'privateKey', 'publicKey', 'passphrase', 'text']);
    for (const id of [loginId, sshId, noteId]) expectRecordedBeforeRelease(id);
    expect(uses().at(-1)).toMatchObject({ outcome: 'success', reason: 'approved_once', target: { tool: 'latchkey_inject', command: 'out.conf', itemId: noteId } });
    const all = JSON.stringify(events());
    for (const v of [PW, '4321', 'b3BlbnNzaC1rZXkt', '12-34-56']) expect(all).not.toContain(v);
  });

  it('a field the item does not have: not_found naming the fields it has, no prompt', async () => {
    const before = prompts.length;
    await expect(inject('{{ latchkey://Personal/Deploy%20key/password }}')).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('privateKey, publicKey, passphrase'),
    });
    expect(prompts.length).toBe(before);
  });
});

describe('latchkey run --real-env', () => {
  it('a login password and an SSH private key reach the child; its output is masked; each asked and signed', async () => {
    nextAnswer = 'once';
    const before = prompts.length;
    const code = await run([
      '--real-env',
      '--env',
      'PW=latchkey://Personal/Example%20Login/password',
      '--env',
      'KEY=latchkey://Personal/Deploy%20key/privateKey',
      '--',
      process.execPath,
      '-e',
      'console.log(process.env.PW); console.log("pw=" + process.env.PW.length + " key=" + process.env.KEY.length)',
    ]);
    expect(code).toBe(0);
    expect(out.stdout).toContain(`pw=${PW.length} key=${KEY.length}`);
    expect(out.stdout).not.toContain(PW);
    expect(prompts.slice(before).map((p) => p.credentialName)).toEqual(['Example Login', 'Deploy key']);
    expectRecordedBeforeRelease(sshId);
    expect(uses().at(-1)).toMatchObject({ outcome: 'success', target: { tool: 'latchkey_run', itemId: sshId, command: path.basename(process.execPath) } });
  });
});

describe('latchkey run in proxy mode', () => {
  it("a login's password is swapped toward its URL's origin (curl -u), the child sees only the placeholder", async () => {
    nextAnswer = 'once';
    const code = await run(['--env', 'PW=latchkey://Personal/Example%20Login/password', '--', 'sh', '-c', 'echo "env=$PW"; curl -sS -u "alice:$PW" https://api.test/echo/login']);
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    const ph = /env=(\S+)/.exec(out.stdout)![1]!;
    expect(ph).not.toBe(PW);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`alice:${PW}`).toString('base64')}`);
    expect(out.stdout).not.toContain(PW);
    expect(uses().at(-1)).toMatchObject({ outcome: 'success', target: { origin: 'https://api.test', tool: 'latchkey_run', command: 'sh', itemId: loginId } });
  });

  it('an SSH key has no web destination: refused before any prompt, pointing to --real-env and inject, and signed', async () => {
    const before = prompts.length;
    await expect(run(['--env', 'KEY=latchkey://Personal/Deploy%20key/privateKey', '--', 'true'])).rejects.toMatchObject({
      code: 'destination_refused',
      message: expect.stringMatching(/SSH key.*--real-env.*latchkey inject/s),
    });
    expect(prompts.length).toBe(before);
    expect(uses().at(-1)).toMatchObject({ outcome: 'failure', reason: 'destination_refused', target: { itemId: sshId, tool: 'latchkey_run', command: 'true' } });
  });
});

describe('the vault part', () => {
  it('must name the open vault, by id or name: another name is not_found, nothing asked', async () => {
    const before = prompts.length;
    await expect(inject('{{ latchkey://Work/Example%20Login/password }}')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('No vault named "Work"') });
    expect(prompts.length).toBe(before);
    const vaultId = (await h.engine.status()).vaultId!;
    nextAnswer = 'once';
    expect(await inject(`{{ latchkey://${vaultId}/Example%20Login/password }}`)).toBe(PW);
  });

  it('a denied prompt for a login: approval_denied, a signed refusal, nothing released', async () => {
    nextAnswer = 'deny';
    const releases = events().filter((e) => e.action === 'item.release').length;
    await expect(inject('{{ latchkey://Personal/Example%20Login/password }}')).rejects.toMatchObject({ code: 'approval_denied' });
    expect(uses().at(-1)).toMatchObject({ outcome: 'failure', reason: 'approval_denied', target: { itemId: loginId, tool: 'latchkey_inject' } });
    expect(events().filter((e) => e.action === 'item.release').length).toBe(releases);
    nextAnswer = 'once';
  });
});

describe('a high-risk item (tagged production)', () => {
  it('is refused to latchkey inject and run before any prompt (only a touch over a request the gateway sends can approve it), signed, nothing released', async () => {
    await h.engine.createItem({
      overview: { kind: 'login', title: 'Prod DB', username: 'root', urls: ['https://api.test/db'], tags: ['production'] },
      details: { kind: 'login', password: 'prod-db-password-0123456789', totp: '', notes: '', customFields: [] },
    });
    const before = prompts.length;
    const releases = events().filter((e) => e.action === 'item.release').length;
    await expect(inject('{{ latchkey://Personal/Prod%20DB/password }}')).rejects.toMatchObject({ code: 'touch_required', message: expect.stringContaining('high-risk') });
    expect(uses().at(-1)).toMatchObject({ outcome: 'failure', reason: 'touch_required', target: { tool: 'latchkey_inject' } });
    await expect(run(['--real-env', '--env', 'PW=latchkey://Personal/Prod%20DB/password', '--', 'true'])).rejects.toMatchObject({ code: 'touch_required' });
    expect(prompts.length).toBe(before);
    expect(events().filter((e) => e.action === 'item.release').length).toBe(releases);
    expect(JSON.stringify(events())).not.toContain('prod-db-password');
  });
});
