/**
 * A call to a downstream MCP server's tool carries an approval receipt bound to the
 * server, the tool and the arguments forwarded (docs/audit-format.md §1.5), signed into
 * the server-use record by the real audit log and accepted by the offline receipt check.
 * The gateway's receipt book refuses it a second time, and a fresh one for other
 * arguments, another tool or another server. A server's credential released for a call
 * carries its own receipt for the same call, naming the standing grant it went through.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiptChecker } from '../../../src/core/audit/receipt-check';
import { approvalRequestDigest } from '../../../src/core/audit/receipt';
import type { SentDownstreamCall } from '../../../src/main/gateway/receipts';
import { refusedWith } from '../core/helpers';
import { call, itemId, startHarness, type Harness } from './harness';

const ROOT = path.resolve(__dirname, '../../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'lk-notes-receipt-'));
let h: Harness;
let agent: { id: string; token: string };

beforeAll(async () => {
  h = await startHarness([], {
    downstream: [
      {
        name: 'notes',
        transport: { type: 'stdio', command: process.execPath, args: ['--import', 'tsx', path.join(ROOT, 'test/unit/gateway/fixtures/notes-server.ts'), dir], cwd: ROOT },
        credentials: [],
      },
    ],
  });
  agent = await h.pair('Claude Code');
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a downstream call carries a receipt for its server, tool and arguments', () => {
  it('the server-use record holds it, it verifies offline, and it redeems only that call, once', async () => {
    h.answer = () => 'once';
    const r = await call(await h.connect(agent.token), 'notes__write_note', { name: 'r', text: 'hello' });
    expect(r.isError, r.text).toBe(false);
    const rec = h.audit.records.find((x) => x.target?.serverTool === 'write_note' && x.outcome === 'success' && x.receipt !== undefined)!;
    expect(rec).toMatchObject({ action: 'credential.use', reason: 'approved_once', target: { tool: 'downstream', server: 'notes', serverTool: 'write_note' } });
    const receipt = rec.receipt!;
    expect(receipt.request).toEqual({
      v: 1,
      agent: agent.id,
      tool: 'downstream',
      server: 'notes',
      serverTool: 'write_note',
      argumentsHash: createHash('sha256').update('{"name":"r","text":"hello"}').digest('hex'),
      time: receipt.request.time,
      nonce: receipt.request.nonce,
    });
    expect(receipt.digest).toBe(approvalRequestDigest(receipt.request));
    // The arguments appear only as a hash.
    expect(JSON.stringify(rec).includes('hello')).toBe(false);

    const checker = new ReceiptChecker();
    h.audit.records.forEach((x, i) => expect(checker.step(x, i)).toBeUndefined());
    expect(checker.receipts).toBeGreaterThanOrEqual(1);

    const asSent: SentDownstreamCall = { agent: agent.id, tool: 'downstream', server: 'notes', serverTool: 'write_note', arguments: { name: 'r', text: 'hello' } };
    expect(refusedWith(() => h.gateway.receipts.redeem(receipt, asSent, null), 'receipt_refused')).toContain('already used');
    const fresh = h.gateway.receipts.issue(h.gateway.receipts.prepare(asSent));
    const variants: SentDownstreamCall[] = [
      { ...asSent, arguments: { name: 'r', text: 'goodbye' } },
      { ...asSent, arguments: { name: 'r', text: 'hello', extra: true } },
      { ...asSent, serverTool: 'read_note' },
      { ...asSent, server: 'other' },
      { ...asSent, itemId: 'AAAAAAAAAAAAAAAAAAAAAA' },
    ];
    for (const v of variants) expect(refusedWith(() => h.gateway.receipts.redeem(fresh, v, null), 'receipt_refused')).toContain('not the one that was approved');
    expect(h.gateway.receipts.redeem(fresh, asSent, null)).toBe(fresh);
  });
});

describe("a downstream server's credential released for a call", () => {
  it('carries a receipt for that call (server, tool, arguments) naming the grant, and it verifies offline', async () => {
    const id = itemId();
    const c = await startHarness(
      [{ id, name: 'Service token', description: 'for the fixture server', injection: { type: 'bearer' }, allowedOrigins: [], secret: 'downstream-secret-Rr0123456789xyz' }],
      {
        downstream: [
          {
            name: 'fixture',
            transport: { type: 'stdio', command: process.execPath, args: ['--import', 'tsx', path.join(ROOT, 'test/unit/gateway/fixtures/downstream-server.ts')], cwd: ROOT },
            credentials: [{ credential: 'Service token', env: 'SERVICE_TOKEN' }],
          },
        ],
      },
    );
    try {
      const a = await c.pair('Claude Code');
      await c.gateway.uiHandlers['grants.set']({ agentId: a.id, itemId: id, mode: 'always' }, {} as never);
      c.answer = () => 'once';
      const sum = await call(await c.connect(a.token), 'fixture__add', { a: 2, b: 3 });
      expect(sum.text).toBe('5');
      const rec = c.audit.records.find((x) => x.target?.itemId === id && x.target.serverTool === 'add' && x.receipt !== undefined)!;
      expect(rec).toMatchObject({ action: 'credential.use', outcome: 'success', reason: 'always', target: { tool: 'downstream', server: 'fixture' } });
      expect(rec.receipt!.request).toMatchObject({
        itemId: id,
        tool: 'downstream',
        server: 'fixture',
        serverTool: 'add',
        argumentsHash: createHash('sha256').update('{"a":2,"b":3}').digest('hex'),
      });
      expect(rec.receipt!.grant?.mode).toBe('always');
      const checker = new ReceiptChecker();
      c.audit.records.forEach((x, i) => expect(checker.step(x, i)).toBeUndefined());
      // The credential's receipt and the server use's.
      expect(checker.receipts).toBe(2);
    } finally {
      await c.close();
    }
  });
});
