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
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { approvalRequestDigest } from '../../src/core/audit/receipt';
import { personalPolicy } from '../../src/core/policy';
import { DEFAULT_PERSONAL_SETTINGS } from '../../src/shared/policy';
import type { AuditSink } from '../../src/main/gateway/ports';
import type { SentRun } from '../../src/main/gateway/receipts';
import type { ApprovalReceipt, RunCommandApprovalRequest } from '../../src/shared/contracts/approval-receipt';
import { apiCredentialDraft, refusedWith } from '../unit/core/helpers';
import { callTool } from './gateway-over-engine';
import { DEVICE_ID } from './signed-device-log';
import { cliVerify, startVaultGateway, verifyAsDevice } from './receipt-fixtures';

const SECRET = 'sk-live_RunReceipt_0123456789abcdef';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('an approved command carries a receipt for its exact argv, redeemed before it runs', () => {
  it('the release record holds the receipt; replay and another argv, variable, directory or credential are refused', async () => {
    const { dev, items, main, agentId, agent } = await startVaultGateway({
      agent: 'build-bot',
      credentials: () => [
        apiCredentialDraft('Deploy key', SECRET, { allowedOrigins: ['https://api.example.com'] }),
        apiCredentialDraft('Other key', `${SECRET}-2`, { allowedOrigins: ['https://api.example.com'] }),
      ],
      gateway: { answer: () => 'once', policy: () => personalPolicy({ ...DEFAULT_PERSONAL_SETTINGS, runCommandEnabled: true }) },
    });
    const [item, other] = items as [{ id: string }, { id: string }];

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

    const exported = await dev.exportItems();
    const verdict = verifyAsDevice(dev, exported);
    expect(verdict).toMatchObject({ ok: true, receipts: 1, touches: 0 });
    expect(JSON.stringify(exported).includes(SECRET)).toBe(false);
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
    const { dev, agent } = await startVaultGateway({
      agent: 'build-bot',
      credentials: () => [apiCredentialDraft('Deploy key', SECRET, { allowedOrigins: ['https://api.example.com'] })],
      gateway: { answer: () => 'once', policy: () => personalPolicy({ ...DEFAULT_PERSONAL_SETTINGS, runCommandEnabled: true }), auditVia: alter },
    });
    const ran = await callTool(agent, 'run_command', { command: process.execPath, args: ['-e', '1'], credentials: [{ credential: 'Deploy key', env: 'TOKEN' }] });
    expect(ran.isError, ran.text).toBe(false);
    const bad = (await dev.log.head())!;
    expect(bad).toMatchObject({ action: 'credential.use', target: { tool: 'run_command' } });

    const items = await dev.exportItems();
    expect(verifyAsDevice(dev, items)).toMatchObject({ kind: 'receipt', reason: 'receipt_digest', seq: bad.seq });
    const r = await cliVerify(dev, items);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `FAIL: first bad receipt: line ${items.findIndex((x) => !('type' in x) && x.seq === bad.seq) + 1}, device ${DEVICE_ID}, seq ${bad.seq}: receipt_digest`,
    );
  }, 120_000);
});
