/**
 * The gateway describes and digests approval requests with node:crypto's SHA-256
 * (src/main/gateway/receipts.ts) on its hot path; core's functions default to noble's.
 * Every field hash and the request digest must be the same either way, for every tool,
 * or a verifier (which uses core) would refuse receipts the gateway issued.
 */
import { describe, expect, it } from 'vitest';
import { approvalRequestDigest, envNamesHash, headersHash, jcsHash, sha256Hex } from '../../../src/core/audit/receipt';
import { ReceiptBook, describeRequest, type SentRequest } from '../../../src/main/gateway/receipts';
import { APPROVAL_REQUEST_VERSION } from '../../../src/shared/contracts/approval-receipt';

const T = '2026-12-04T04:30:00.000Z';
const N = 'AAECAwQFBgcICQoLDA0ODw';
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const body = utf8('{"q":"é ü ✓ 𝄞","n":[1,2,3]}'.repeat(40));

const SENT: readonly SentRequest[] = [
  {
    itemId: 'i1',
    agent: 'a1',
    tool: 'http_request',
    method: 'POST',
    url: new URL('https://api.example.com/v1/x?q=%C3%A9&b=2'),
    headers: { 'content-type': 'application/json', 'x-é': 'ü' },
    body,
  },
  { itemId: 'i1', agent: 'a1', tool: 'http_request', method: 'GET', url: new URL('http://127.0.0.1:8080/'), headers: {} },
  { itemId: 'i2', agent: 'a1', tool: 'run_command', command: 'git', argv: ['git', 'push', '--tags', 'ü'], envNames: ['TOKEN', 'A', 'TOKEN'], cwd: '/home/é/repo' },
  { itemId: 'i2', agent: 'a1', tool: 'run_command', command: 'ls', argv: ['ls'], envNames: [] },
  { agent: 'a1', tool: 'downstream', server: 'gh', serverTool: 'create_issue', arguments: { title: 'é', n: 1.5, list: [true, null, 'x'], nested: { b: 1, a: 2 } } },
];

/** The same request described with core's (noble) functions only. */
function withCore(r: SentRequest): Record<string, unknown> {
  if (r.tool === 'run_command') {
    return {
      v: APPROVAL_REQUEST_VERSION,
      itemId: r.itemId,
      agent: r.agent,
      tool: r.tool,
      command: r.command,
      argvHash: jcsHash(r.argv),
      envHash: envNamesHash(r.envNames),
      ...(r.cwd !== undefined ? { cwdHash: sha256Hex(utf8(r.cwd)) } : {}),
      time: T,
      nonce: N,
    };
  }
  if (r.tool === 'downstream') {
    return { v: APPROVAL_REQUEST_VERSION, agent: r.agent, tool: r.tool, server: r.server, serverTool: r.serverTool, argumentsHash: jcsHash(r.arguments), time: T, nonce: N };
  }
  const b = r.body ?? new Uint8Array(0);
  return {
    v: APPROVAL_REQUEST_VERSION,
    itemId: r.itemId,
    agent: r.agent,
    tool: r.tool,
    method: r.method,
    origin: r.url.origin,
    urlHash: sha256Hex(utf8(r.url.href)),
    headersHash: headersHash(r.headers),
    bodyHash: sha256Hex(b),
    bodyBytes: b.length,
    time: T,
    nonce: N,
  };
}

describe("the gateway's receipt digests", () => {
  it('describe every tool exactly as core does', () => {
    for (const r of SENT) expect(describeRequest(r, T, N)).toStrictEqual(withCore(r));
  });

  it('digest to what core (noble) computes, and redeem once', () => {
    const book = new ReceiptBook({ now: () => Date.parse(T) });
    for (const r of SENT) {
      const p = book.prepare(r);
      expect(p.digest).toBe(approvalRequestDigest(p.request));
      const receipt = book.issue(p);
      expect(book.redeem(receipt, r, null)).toBe(receipt);
      expect(() => book.redeem(receipt, r, null)).toThrow(/already used/);
    }
  });
});
