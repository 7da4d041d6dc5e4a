/**
 * Promise: every approved use carries a receipt bound to the exact request. Through the
 * real gateway over a real engine whose audit sink is the real signed log: an agent's
 * approved http_request is sent and its release record carries a receipt whose digest
 * is the request's (method, origin, hashes of URL, headers and body, nonce), and the
 * export verifies with the receipt. The gateway's own receipt book (the one the tool
 * path redeems against) refuses a receipt used twice, and one presented for another
 * body, URL, method or credential. A use under a standing grant names the grant and
 * when the person made it.
 */
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { approvalRequestDigest } from '../../src/core/audit/receipt';
import type { SentHttpRequest } from '../../src/main/gateway/receipts';
import type { ApprovalReceipt, HttpApprovalRequest } from '../../src/shared/contracts/approval-receipt';
import { apiCredentialDraft, refusedWith } from '../unit/core/helpers';
import { callTool } from './gateway-over-engine';
import { startVaultGateway, verifyAsDevice } from './receipt-fixtures';

const SECRET = 'sk-live_ReceiptPromise_0123456789abcdef';

const sha = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');

describe('an approved request carries a receipt that only that request can redeem, once', () => {
  it('the release record holds the receipt; replay and another body, URL, method or credential are refused', async () => {
    const { dev, api, items, main, agentId, agent } = await startVaultGateway({
      agent: 'deploy-bot',
      credentials: (origin) => [
        apiCredentialDraft('Deploy API', SECRET, { allowedOrigins: [origin] }),
        apiCredentialDraft('Other API', `${SECRET}-2`, { allowedOrigins: [origin] }),
      ],
      gateway: { answer: () => 'once' },
    });
    const [item, other] = items as [{ id: string }, { id: string }];
    const url = `${api.origin}/v1/deploy?ref=main`;
    const body = '{"service":"web","replicas":3}';
    const sent = await callTool(agent, 'http_request', { credential: 'Deploy API', method: 'POST', url, headers: { 'X-Trace': 'abc' }, body });
    expect(sent.isError, sent.text).toBe(false);
    expect(api.requests.length).toBe(1);

    const head = await dev.log.head();
    expect(head).toMatchObject({ action: 'credential.use', outcome: 'success', reason: 'approved_once', target: { itemId: item.id, tool: 'http_request', method: 'POST' } });
    const receipt = (head as { receipt?: ApprovalReceipt }).receipt!;
    expect(receipt.request).toMatchObject({
      v: 1,
      itemId: item.id,
      agent: agentId,
      tool: 'http_request',
      method: 'POST',
      origin: api.origin,
      urlHash: sha(url),
      headersHash: sha('{"x-trace":"abc"}'),
      bodyHash: sha(body),
      bodyBytes: body.length,
    });
    expect(receipt.request.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(receipt.digest).toBe(approvalRequestDigest(receipt.request));
    expect(receipt.grant).toBeUndefined();
    expect(receipt.touch).toBeUndefined();
    // No value in the record: the URL's query and the body appear only as hashes.
    expect(JSON.stringify(head).includes('ref=main')).toBe(false);
    expect(JSON.stringify(head).includes('replicas')).toBe(false);

    // The same receipt, presented again for the very same request: spent.
    const asSent: SentHttpRequest = {
      itemId: item.id,
      agent: agentId,
      tool: 'http_request',
      method: 'POST',
      url: new URL(url),
      headers: { 'x-trace': 'abc' },
      body: new TextEncoder().encode(body),
    };
    expect(refusedWith(() => main.gateway.receipts.redeem(receipt, asSent, null), 'receipt_refused')).toContain('already used');

    // A fresh receipt for one request cannot carry another body, URL, method, header or credential.
    const fresh = main.gateway.receipts.issue(main.gateway.receipts.prepare(asSent));
    const variants: SentHttpRequest[] = [
      { ...asSent, body: new TextEncoder().encode('{"service":"web","replicas":300}') },
      { ...asSent, url: new URL(`${api.origin}/v1/deploy?ref=evil`) },
      { ...asSent, method: 'PUT' },
      { ...asSent, headers: { 'x-trace': 'abd' } },
      { ...asSent, itemId: other.id },
    ];
    for (const v of variants) expect(refusedWith(() => main.gateway.receipts.redeem(fresh, v, null), 'receipt_refused')).toContain('not the one that was approved');
    // A receipt whose request was edited to fit (digest kept) is refused too.
    const edited: ApprovalReceipt = { ...fresh, request: { ...(fresh.request as HttpApprovalRequest), bodyHash: sha('x') } };
    refusedWith(() => main.gateway.receipts.redeem(edited, { ...asSent, body: new TextEncoder().encode('x') }, null), 'receipt_refused');
    // Its own request still redeems it — once.
    expect(main.gateway.receipts.redeem(fresh, asSent, null)).toBe(fresh);
    refusedWith(() => main.gateway.receipts.redeem(fresh, asSent, null), 'receipt_refused');

    // A standing grant: the receipt names it and when the person made it.
    const before = new Date().toISOString();
    await main.gateway.uiHandlers['grants.set']({ agentId, itemId: item.id, mode: 'always' }, {} as never);
    expect((await callTool(agent, 'http_request', { credential: 'Deploy API', method: 'GET', url: `${api.origin}/v1/status` })).isError).toBe(false);
    const granted = (await dev.log.head()) as { reason?: string; receipt?: ApprovalReceipt };
    expect(granted.reason).toBe('always');
    expect(granted.receipt!.grant!.mode).toBe('always');
    expect(granted.receipt!.grant!.at! >= before).toBe(true);
    expect(granted.receipt!.grant!.at! <= granted.receipt!.request.time).toBe(true);
    expect(granted.receipt!.request.nonce).not.toBe(receipt.request.nonce);

    const exported = await dev.exportItems();
    const verdict = verifyAsDevice(dev, exported);
    expect(verdict).toMatchObject({ ok: true, receipts: 2, touches: 0 });
    expect(JSON.stringify(exported).includes(SECRET)).toBe(false);
  }, 120_000);
});
