/**
 * Promise: a credential marked high-risk (tag `production`) is used only when the
 * person touches an enrolled security key over the exact request. Through the real
 * gateway over a real engine with its real signed log, the real FIDO service (CTAP2 over
 * CTAPHID) to the software authenticator, and the real `latchkey audit verify`:
 * - with no approval key enrolled, the use is refused before anyone is asked;
 * - enrolment publishes the key's public key in the signed log (approval_key.add);
 * - even under a grant 'always', the prompt shows method, URL and body size, and the
 *   touch's assertion becomes the receipt, which the export verifies offline;
 * - no touch, or a touch made for another request (replayed by a lying main), sends nothing;
 * - a receipt whose signature was changed before it was signed into the log is named
 *   by `latchkey audit verify` (record seq and reason);
 * - policy's own tags need a touch too, one that verifies the person when policy says so,
 *   and a high-risk credential is refused for run_command before anyone is asked.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { fidoApprovalAuthenticator, type ApprovalAuthenticator } from '../../src/main/gateway/approval-touch';
import type { AuditSink } from '../../src/main/gateway/ports';
import type { ReceiptTouch } from '../../src/main/gateway/receipts';
import type { ApprovalReceipt } from '../../src/shared/contracts/approval-receipt';
import type { PendingApproval } from '../../src/shared/contracts/gateway';
import { DEFAULT_PERSONAL_SETTINGS, type EffectivePolicy } from '../../src/shared/policy';
import { decodeBase64urlOrNull, toBase64url } from '../../src/shared/encoding/base64url';
import { apiCredentialDraft } from '../unit/core/helpers';
import { makeKey, makeService } from '../unit/fido/helpers';
import { callTool } from './gateway-over-engine';
import { DEVICE_ID } from './signed-device-log';
import { cliVerify, startVaultGateway, verifyAsDevice } from './receipt-fixtures';

const SECRET = 'sk-live_ProductionTouch_0123456789abcdef';

async function setup(o: { auditVia?: (sink: AuditSink) => AuditSink; policy?: EffectivePolicy; tags?: string[] } = {}) {
  const key = makeKey('approval-key');
  const fido = makeService([key]);
  const real = fidoApprovalAuthenticator(fido.service);
  // What main hands the gateway as the key's answer; a test may make it lie.
  const lie: { replay: ReceiptTouch | null; seen: ReceiptTouch[] } = { replay: null, seen: [] };
  const securityKey: ApprovalAuthenticator = {
    enrol: (i) => real.enrol(i),
    async assert(i) {
      if (lie.replay) return lie.replay;
      const t = await real.assert(i);
      lie.seen.push(t);
      return t;
    },
  };
  const prompts: PendingApproval[] = [];
  const { dev, api, items, main, agentId, agent } = await startVaultGateway({
    agent: 'ops-bot',
    credentials: (origin) => {
      const draft = apiCredentialDraft('Prod DB API', SECRET, { allowedOrigins: [origin] });
      return [{ ...draft, overview: { ...draft.overview, tags: o.tags ?? ['Production'] } }];
    },
    gateway: {
      securityKey,
      answer: (p) => {
        prompts.push(p);
        return 'once';
      },
      ...(o.auditVia ? { auditVia: o.auditVia } : {}),
      ...(o.policy ? { policy: () => o.policy! } : {}),
    },
  });
  return { dev, api, item: items[0]!, key, main, agentId, agent, lie, prompts };
}

const errorCode = (text: string): string => (JSON.parse(text) as { error: { code: string } }).error.code;

describe('a high-risk credential is used only with a touch over that exact request', () => {
  it('no key: refused unasked; enrolled: prompt, touch, receipt that verifies; no touch or a replayed touch: nothing sent', async () => {
    const { dev, api, item, key, main, agentId, agent, lie, prompts } = await setup();
    const body = '{"query":"DROP TABLE"}';
    const use = () => callTool(agent, 'http_request', { credential: 'Prod DB API', method: 'POST', url: `${api.origin}/v1/sql?db=main`, body });

    const unenrolled = await use();
    expect(unenrolled.isError).toBe(true);
    expect(errorCode(unenrolled.text)).toBe('touch_required');
    expect(prompts.length).toBe(0);
    expect(api.requests.length).toBe(0);

    const enrolled = await main.gateway.enrolApprovalKey();
    expect(enrolled).toMatchObject({ alg: -7, rpId: 'latchkey.local', publicKey: { kty: 'EC', crv: 'P-256' } });
    expect(await dev.log.head()).toMatchObject({ action: 'approval_key.add', actor: { type: 'person' }, outcome: 'success', approvalKey: enrolled });

    // A standing grant does not stand in for the touch: the person is asked, with the request shown.
    await main.gateway.uiHandlers['grants.set']({ agentId, itemId: item.id, mode: 'always' }, {} as never);
    const touched = await use();
    expect(touched.isError, touched.text).toBe(false);
    expect(api.requests.length).toBe(1);
    expect(prompts.at(-1)).toMatchObject({ touch: true, request: { method: 'POST', url: `${api.origin}/v1/sql`, bodyBytes: body.length } });
    const record = (await dev.log.head()) as { reason?: string; receipt?: ApprovalReceipt };
    expect(record.reason).toBe('approved_once');
    expect(record.receipt!.touch).toEqual(lie.seen[0]);
    expect(record.receipt!.touch!.credentialId).toBe(enrolled.credentialId);

    // The person does not touch the key: nothing is sent.
    key.authenticator.presence = () => Promise.resolve(false);
    const untouched = await use();
    expect(untouched.isError).toBe(true);
    expect(api.requests.length).toBe(1);
    key.authenticator.presence = 'auto';

    // Main hands back the earlier touch (made for the first request) for a new request: refused.
    lie.replay = lie.seen[0]!;
    const replayed = await use();
    expect(replayed.isError).toBe(true);
    expect(errorCode(replayed.text)).toBe('touch_required');
    expect(api.requests.length).toBe(1);
    lie.replay = null;

    const items = await dev.exportItems();
    expect(verifyAsDevice(dev, items)).toMatchObject({ ok: true, receipts: 1, touches: 1 });
    expect(JSON.stringify(items).includes(SECRET)).toBe(false);

    const ok = await cliVerify(dev, items);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain("1 approval receipt(s) verified, 1 with a security key's touch");
  }, 120_000);

  it('latchkey audit verify names a receipt whose touch was altered before it was signed into the log', async () => {
    // A compromised main: the real touch verified in the gateway, then one signature byte changed on its way to the log.
    const alter = (sink: AuditSink): AuditSink => ({
      append(event) {
        const t = event.receipt?.touch;
        if (!t) return sink.append(event);
        const sig = decodeBase64urlOrNull(t.signature)!;
        sig[sig.length - 1]! ^= 1;
        return sink.append({ ...event, receipt: { ...event.receipt!, touch: { ...t, signature: toBase64url(sig) } } });
      },
    });
    const { dev, api, main, agent } = await setup({ auditVia: alter });
    await main.gateway.enrolApprovalKey();
    const sent = await callTool(agent, 'http_request', { credential: 'Prod DB API', method: 'GET', url: `${api.origin}/v1/health` });
    expect(sent.isError, sent.text).toBe(false);
    const bad = (await dev.log.head())!;

    const items = await dev.exportItems();
    expect(verifyAsDevice(dev, items)).toMatchObject({ kind: 'receipt', reason: 'receipt_bad_touch', seq: bad.seq });
    const r = await cliVerify(dev, items);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `FAIL: first bad receipt: line ${items.findIndex((x) => !('type' in x) && x.seq === bad.seq) + 1}, device ${DEVICE_ID}, seq ${bad.seq}: receipt_bad_touch`,
    );
  }, 120_000);

  it('policy tags and user verification: a tagged credential needs a touch that verifies the person; run_command is refused unasked', async () => {
    const personal = { ...DEFAULT_PERSONAL_SETTINGS, runCommandEnabled: true };
    const policy: EffectivePolicy = {
      managed: true,
      orgName: 'Acme',
      policy: { version: 1, org: { name: 'Acme' }, gateway: { touchRequiredTags: ['payments'], touchUserVerification: true } },
      locks: {},
      personal,
      keyId: null,
    };
    const { api, main, agent, prompts } = await setup({ policy, tags: ['PAYMENTS'] });
    await main.gateway.enrolApprovalKey();

    // The software key has no PIN and no built-in UV: a touch cannot verify the person, so nothing is sent.
    const noUv = await callTool(agent, 'http_request', { credential: 'Prod DB API', method: 'GET', url: `${api.origin}/v1/balance` });
    expect(noUv.isError).toBe(true);
    expect(errorCode(noUv.text)).toBe('fido_pin_required');
    expect(prompts.length).toBe(1);
    expect(api.requests.length).toBe(0);

    // A program run with the credential has no request a touch could sign: refused before anyone is asked.
    const run = await callTool(agent, 'run_command', { command: process.execPath, args: ['-e', '0'], credentials: [{ credential: 'Prod DB API', env: 'TOKEN' }] });
    expect(run.isError).toBe(true);
    expect(errorCode(run.text)).toBe('touch_required');
    expect(prompts.length).toBe(1);
  }, 120_000);
});
