/**
 * Promise: an approved run_command use carries a receipt bound to the exact child the
 * gateway spawns. Through the real gateway over a real engine whose audit sink is the
 * real signed log: the release record of an approved run carries a receipt whose digest
 * covers the program's name, the SHA-256 of the whole argv, of the variable names the
 * credential went into and of the directory, and the export verifies with it. The
 * gateway's own receipt book refuses that receipt a second time, and a fresh one for
 * another argv, variable, directory, program or credential. A receipt altered on its way
 * into the log (a compromised main claiming another argv) is named by `latchkey audit verify`.
 */
import 'fake-indexeddb/auto';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordsToJsonLines, verifyAuditExport } from '../../src/core/audit';
import { approvalRequestDigest } from '../../src/core/audit/receipt';
import { personalPolicy } from '../../src/core/policy';
import { DEFAULT_PERSONAL_SETTINGS } from '../../src/shared/policy';
import type { AuditSink } from '../../src/main/gateway/ports';
import type { SentRun } from '../../src/main/gateway/receipts';
import type { ApprovalReceipt, RunCommandApprovalRequest } from '../../src/shared/contracts/approval-receipt';
import { isLatchkeyError } from '../../src/shared/errors';
import { PASSWORD, apiCredentialDraft } from '../unit/core/helpers';
import { callTool, startGatewayOverEngine } from './gateway-over-engine';
import { DEVICE_ID, signedDevice } from './signed-device-log';

const SECRET = 'sk-live_RunReceipt_0123456789abcdef';
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const ROOT = join(import.meta.dirname, '../..');

function cliVerify(file: string, keys: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin/latchkey.mjs'), 'audit', 'verify', file, '--pubkeys', keys], { cwd: ROOT, timeout: 180_000 }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout });
    });
  });
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function refusedWith(run: () => unknown, code: string): string {
  try {
    run();
  } catch (e) {
    if (isLatchkeyError(e, code as never)) return e.message;
    throw e;
  }
  throw new Error(`expected ${code}, but it was accepted`);
}

describe('an approved command carries a receipt for its exact argv, redeemed before it runs', () => {
  it('the release record holds the receipt; replay and another argv, variable, directory or credential are refused', async () => {
    const dev = signedDevice();
    cleanups.push(() => dev.close());
    await dev.h.engine.createVault(PASSWORD);
    const item = await dev.h.engine.createItem(apiCredentialDraft('Deploy key', SECRET, { allowedOrigins: ['https://api.example.com'] }));
    const other = await dev.h.engine.createItem(apiCredentialDraft('Other key', `${SECRET}-2`, { allowedOrigins: ['https://api.example.com'] }));
    const main = await startGatewayOverEngine(dev.h.engine, {
      answer: () => 'once',
      policy: () => personalPolicy({ ...DEFAULT_PERSONAL_SETTINGS, runCommandEnabled: true }),
    });
    cleanups.push(() => main.close());
    const { id: agentId, client: agent } = await main.connectAgent('build-bot');

    const cwd = tmpdir();
    const script = 'process.stdout.write(process.env.TOKEN ? "has-token" : "none")';
    const ran = await callTool(agent, 'run_command', {
      command: process.execPath,
      args: ['-e', script],
      cwd,
      realEnv: false,
      credentials: [{ credential: 'Deploy key', env: 'TOKEN' }],
    });
    expect(ran.isError, ran.text).toBe(false);
    expect(ran.text).toContain('has-token');

    const program = process.execPath.split(/[\\/]/).pop()!;
    const head = await dev.log.head();
    expect(head).toMatchObject({ action: 'credential.use', outcome: 'success', reason: 'approved_once', target: { itemId: item.id, tool: 'run_command', command: program } });
    const receipt = (head as { receipt?: ApprovalReceipt }).receipt!;
    const argv = [process.execPath, '-e', script];
    expect(receipt.request).toEqual({
      v: 1,
      itemId: item.id,
      agent: agentId,
      tool: 'run_command',
      command: program,
      argvHash: sha(JSON.stringify(argv)),
      envHash: sha('["TOKEN"]'),
      cwdHash: sha(cwd),
      time: receipt.request.time,
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
    expect(receipt.digest).toBe(approvalRequestDigest(receipt.request));
    // No argument in the record: the script appears only as a hash.
    expect(JSON.stringify(head).includes('has-token')).toBe(false);

    // The same receipt, presented again for the very same child: spent.
    const asRun: SentRun = { itemId: item.id, agent: agentId, tool: 'run_command', command: program, argv, envNames: ['TOKEN'], cwd };
    expect(refusedWith(() => main.gateway.receipts.redeem(receipt, asRun, null), 'receipt_refused')).toContain('already used');

    // A fresh receipt for one child cannot start another.
    const fresh = main.gateway.receipts.issue(main.gateway.receipts.prepare(asRun));
    const variants: SentRun[] = [
      { ...asRun, argv: [process.execPath, '-e', `${script};require("fs").rmSync("/x")`] },
      { ...asRun, argv: [process.execPath, '-e', script, 'extra'] },
      { ...asRun, argv: ['/usr/bin/other', '-e', script] },
      { ...asRun, envNames: ['TOKEN', 'NODE_OPTIONS'] },
      { ...asRun, cwd: '/' },
      { itemId: asRun.itemId, agent: asRun.agent, tool: asRun.tool, command: asRun.command, argv: asRun.argv, envNames: asRun.envNames },
      { ...asRun, command: 'sh' },
      { ...asRun, itemId: other.id },
    ];
    for (const v of variants) expect(refusedWith(() => main.gateway.receipts.redeem(fresh, v, null), 'receipt_refused')).toContain('not the one that was approved');
    // Its own child still redeems it — once.
    expect(main.gateway.receipts.redeem(fresh, asRun, null)).toBe(fresh);
    refusedWith(() => main.gateway.receipts.redeem(fresh, asRun, null), 'receipt_refused');

    const items = await dev.exportItems();
    const verdict = verifyAuditExport(items, { deviceKeys: new Map([[DEVICE_ID, dev.publicKey]]) });
    expect(verdict).toMatchObject({ ok: true, receipts: 1, touches: 0 });
    expect(JSON.stringify(items).includes(SECRET)).toBe(false);
  }, 120_000);

  it('latchkey audit verify names a run_command receipt altered before it was signed into the log', async () => {
    // A compromised main: the real receipt redeemed in the gateway, then its argv hash changed on its way to the log.
    const alter = (sink: AuditSink): AuditSink => ({
      append(event) {
        const r = event.receipt;
        if (r?.request.tool !== 'run_command') return sink.append(event);
        const request: RunCommandApprovalRequest = { ...r.request, argvHash: sha('["other"]') };
        return sink.append({ ...event, receipt: { ...r, request } });
      },
    });
    const dev = signedDevice();
    cleanups.push(() => dev.close());
    await dev.h.engine.createVault(PASSWORD);
    await dev.h.engine.createItem(apiCredentialDraft('Deploy key', SECRET, { allowedOrigins: ['https://api.example.com'] }));
    const main = await startGatewayOverEngine(dev.h.engine, {
      answer: () => 'once',
      policy: () => personalPolicy({ ...DEFAULT_PERSONAL_SETTINGS, runCommandEnabled: true }),
      auditVia: alter,
    });
    cleanups.push(() => main.close());
    const { client: agent } = await main.connectAgent('build-bot');
    const ran = await callTool(agent, 'run_command', { command: process.execPath, args: ['-e', '1'], credentials: [{ credential: 'Deploy key', env: 'TOKEN' }] });
    expect(ran.isError, ran.text).toBe(false);
    const bad = (await dev.log.head())!;
    expect(bad).toMatchObject({ action: 'credential.use', target: { tool: 'run_command' } });

    const items = await dev.exportItems();
    expect(verifyAuditExport(items, { deviceKeys: new Map([[DEVICE_ID, dev.publicKey]]) })).toMatchObject({ kind: 'receipt', reason: 'receipt_digest', seq: bad.seq });
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-run-receipt-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'log.jsonl'), recordsToJsonLines(items));
    await writeFile(join(dir, 'keys.json'), dev.keysJson());
    const r = await cliVerify(join(dir, 'log.jsonl'), join(dir, 'keys.json'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `FAIL: first bad receipt: line ${items.findIndex((x) => !('type' in x) && x.seq === bad.seq) + 1}, device ${DEVICE_ID}, seq ${bad.seq}: receipt_digest`,
    );
  }, 120_000);
});
