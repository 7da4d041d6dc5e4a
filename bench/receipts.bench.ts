/**
 * Approval receipts (issue 17): what a receipt costs per use, beside what a use costs.
 * - creation: the gateway describes the request (SHA-256 of URL, headers and a 1 KiB
 *   body, JCS, the digest) under a fresh nonce and issues the receipt — vs hashing the
 *   same request once as JSON (the least any request digest costs);
 * - redemption: the gateway describes the request it is about to send again and checks
 *   it against the receipt and the nonce store — same baseline;
 * - verification in an export (`latchkey audit verify`): one record's receipt checks
 *   (placement, target match, digest, nonce, grant) — vs the record hash every record
 *   already costs; and with an ES256 touch, the P-256 signature on top (no goal: a
 *   touch is a person's second, not a CPU budget);
 * - the gateway's per-call cost, which now includes both: an approved http_request
 *   (grant 'always') through gateway.callTool over a real engine, vs a direct request.
 */
import 'fake-indexeddb/auto';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageChannel } from 'node:worker_threads';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { createEngine, engineMainHandlers, forwardEngineEvents } from '../src/core';
import { computeRecordHashHex, type AuditRecord } from '../src/core/audit/record';
import { approvalClientDataHash } from '../src/core/audit/receipt';
import { ReceiptChecker } from '../src/core/audit/receipt-check';
import { createWebCryptoRandom } from '../src/core/crypto/random.browser';
import { personalPolicy } from '../src/core/policy';
import { createDexieStore } from '../src/core/store/store.dexie';
import { createEngineCredentialSource, createGateway, createMemoryGatewayStore } from '../src/main/gateway';
import { ReceiptBook, type SentHttpRequest } from '../src/main/gateway/receipts';
import { createNodeArgon2Kdf } from '../src/node/kdf.argon2.node.js';
import { APPROVAL_RP_ID, type ApprovalKey, type ApprovalReceipt } from '../src/shared/contracts/approval-receipt';
import { EngineMainContract } from '../src/shared/contracts/engine';
import { toBase64url } from '../src/shared/encoding/base64url';
import { fromNodeMessagePort } from '../src/shared/rpc/adapters/worker-threads.node.js';
import { connectRpc, serveRpc } from '../src/shared/rpc/rpc';
import type { Bench } from './lib/harness';

const OPS = 200;
const GOAL_US = 200;

function sampleRequest(i: number): SentHttpRequest {
  return {
    itemId: 'AAAAAAAAAAAAAAAAAAAAAA',
    agent: 'agent-bench',
    tool: 'http_request',
    method: 'POST',
    url: new URL(`https://api.example.com/v1/deploy/${i}?ref=main&env=prod`),
    headers: { 'content-type': 'application/json', 'x-request-id': `req-${i}`, accept: 'application/json' },
    body: new Uint8Array(1024).fill(0x61 + (i % 26)),
  };
}

/** The baseline: one SHA-256 over the request as plain JSON (no canonical form, no parts). */
function naiveDigest(r: SentHttpRequest): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ item: r.itemId, agent: r.agent, method: r.method, url: r.url.href, headers: r.headers }));
  if (r.body) h.update(r.body);
  return h.digest('hex');
}

/** Records as the gateway writes them, each with a receipt (a touch when `touched`). */
function recordsWithReceipts(n: number, touched: boolean): { records: AuditRecord[]; key: ApprovalKey } {
  const sk = p256.utils.randomSecretKey();
  const pub = p256.getPublicKey(sk, false);
  const key: ApprovalKey = {
    credentialId: toBase64url(randomBytes(32)),
    alg: -7,
    rpId: APPROVAL_RP_ID,
    publicKey: { kty: 'EC', crv: 'P-256', x: toBase64url(pub.slice(1, 33)), y: toBase64url(pub.slice(33)) },
  };
  const book = new ReceiptBook({ now: Date.now });
  const authData = concatBytes(sha256(utf8ToBytes(APPROVAL_RP_ID)), new Uint8Array([1, 0, 0, 0, 1]));
  const records: AuditRecord[] = [];
  const base = { v: 3 as const, time: new Date().toISOString(), device: 'bench-device', prevHash: '0'.repeat(64), hash: '0'.repeat(64) };
  records.push({ ...base, seq: 1, action: 'approval_key.add', actor: { type: 'person' }, outcome: 'success', approvalKey: key });
  for (let i = 0; i < n; i++) {
    const p = book.prepare(sampleRequest(i));
    const touch = touched
      ? {
          credentialId: key.credentialId,
          authenticatorData: toBase64url(authData),
          signature: toBase64url(p256.sign(concatBytes(authData, approvalClientDataHash(p.digest)), sk, { format: 'der' })),
        }
      : undefined;
    const receipt: ApprovalReceipt = book.issue(p, undefined, touch);
    records.push({
      ...base,
      seq: i + 2,
      action: 'credential.use',
      actor: { type: 'agent', id: 'agent-bench' },
      outcome: 'success',
      reason: 'approved_once',
      target: { itemId: 'AAAAAAAAAAAAAAAAAAAAAA', tool: 'http_request', origin: 'https://api.example.com', method: 'POST' },
      receipt,
    });
  }
  return { records, key };
}

async function perUse(bench: Bench): Promise<void> {
  const rounds = bench.rounds(40, 8);
  const requests = Array.from({ length: OPS }, (_, i) => sampleRequest(i));
  const book = new ReceiptBook({ now: Date.now });
  let issued: ApprovalReceipt[] = [];
  await bench.compare({
    name: 'receipt creation per use (describe the request, digest, nonce, issue)',
    unit: 'µs',
    opsPerRun: OPS,
    rounds,
    warmup: 3,
    subject: { name: 'ReceiptBook.prepare + issue', run: () => (issued = requests.map((r) => book.issue(book.prepare(r)))) },
    baseline: { name: 'one SHA-256 over the request as JSON', run: () => requests.map(naiveDigest) },
    goals: [{ metric: 'wall', stat: 'p50', op: '<=', value: GOAL_US, unit: 'µs', source: 'issue 17' }],
  });
  await bench.compare({
    name: 'receipt redemption per use (describe the request sent again, match, spend the nonce)',
    unit: 'µs',
    opsPerRun: OPS,
    rounds,
    warmup: 3,
    // Untimed: a fresh receipt for every request (a redeemed one cannot be redeemed again).
    subject: {
      name: 'ReceiptBook.redeem',
      before: () => (issued = requests.map((r) => book.issue(book.prepare(r)))),
      run: () => issued.map((rc, i) => book.redeem(rc, requests[i]!, null)),
    },
    baseline: { name: 'one SHA-256 over the request as JSON', run: () => requests.map(naiveDigest) },
    goals: [{ metric: 'wall', stat: 'p50', op: '<=', value: GOAL_US, unit: 'µs', source: 'issue 17' }],
  });

  const plain = recordsWithReceipts(OPS, false).records;
  const withTouch = recordsWithReceipts(OPS, true).records;
  const check = (records: AuditRecord[]) => {
    const c = new ReceiptChecker();
    records.forEach((r, i) => {
      if (c.step(r, i)) throw new Error('a bench receipt did not verify');
    });
  };
  await bench.compare({
    name: 'receipt verification per record in an export (no touch)',
    unit: 'µs',
    opsPerRun: OPS + 1,
    rounds,
    warmup: 3,
    subject: { name: 'ReceiptChecker.step', run: () => check(plain) },
    baseline: { name: 'the record hash every record costs anyway (JCS + SHA-256)', run: () => plain.map((r) => computeRecordHashHex(r)) },
    goals: [{ metric: 'wall', stat: 'p50', op: '<=', value: GOAL_US, unit: 'µs', source: 'issue 17' }],
  });
  await bench.compare({
    name: 'receipt verification per record in an export (ES256 touch)',
    unit: 'µs',
    opsPerRun: OPS + 1,
    rounds: bench.rounds(15, 5),
    warmup: 1,
    subject: { name: 'ReceiptChecker.step with the P-256 signature (noble)', run: () => check(withTouch) },
    baseline: { name: 'the record hash every record costs anyway', run: () => withTouch.map((r) => computeRecordHashHex(r)) },
    notes: ['No goal: a use with a touch waits on a person; this row says what an offline verifier spends on it.'],
  });
}

/** The per-call cost receipts are part of: an approved http_request through the gateway over a real engine. */
async function perCall(bench: Bench): Promise<void> {
  const secret = `bench-secret-${randomBytes(12).toString('hex')}`;
  const server = http.createServer((_req, res) => res.end('{"ok":true}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const engine = createEngine({
    store: createDexieStore({ name: `bench-receipts-${Date.now()}` }),
    kdf: createNodeArgon2Kdf(),
    random: createWebCryptoRandom(),
    passwordKdf: { memoryKiB: 64, iterations: 1, parallelism: 1 },
    allowWeakKdfForTesting: true,
  });
  await engine.createVault('bench password');
  const [item] = await engine.importItems([
    {
      overview: { kind: 'api_credential', title: 'Bench', urls: [], tags: [], description: 'bench', injection: { type: 'bearer' }, allowedOrigins: [origin] },
      details: { kind: 'api_credential', secret, customFields: [] },
    },
  ]);
  const ch = new MessageChannel();
  const rpc = serveRpc(fromNodeMessagePort(ch.port1), EngineMainContract, engineMainHandlers(engine));
  const off = forwardEngineEvents(engine, { main: rpc });
  const client = connectRpc(fromNodeMessagePort(ch.port2), EngineMainContract);
  const gateway = await createGateway({
    credentials: createEngineCredentialSource(client),
    audit: { append: () => undefined },
    store: createMemoryGatewayStore(),
    tokenKey: randomBytes(32),
    policy: () => personalPolicy(),
    options: { port: 0, socketPath: null, rateLimit: { perMinute: 1e9, burst: 1e9 } },
  });
  const { agent, token } = await gateway.uiHandlers['agents.pair']({ name: 'bench', client: 'other' }, {} as never);
  await gateway.uiHandlers['grants.set']({ agentId: agent.id, itemId: item!.id, mode: 'always' }, {} as never);
  const keepAlive = new http.Agent({ keepAlive: true });
  const direct = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/x', method: 'POST', headers: { authorization: `Bearer ${secret}` }, agent: keepAlive }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end('{"a":1}');
    });
  try {
    await bench.compare({
      name: 'approved http_request (grant always) through the gateway, receipt made and redeemed',
      unit: 'ms',
      rounds: bench.rounds(300, 50),
      warmup: 30,
      subject: {
        name: 'gateway.callTool',
        run: () => gateway.callTool(token, 'http_request', { credential: 'Bench', method: 'POST', url: `${origin}/x`, body: '{"a":1}' }),
        after: (r: { isError?: boolean }) => {
          if (r.isError === true) throw new Error('the bench call failed');
        },
      },
      baseline: { name: 'direct http.request to the same server (kept-alive)', run: direct },
      notes: ['No goal here: the per-call goal is gateway.bench.ts (issue 15); this row puts the receipt figures above beside a whole call.'],
    });
  } finally {
    await gateway.close();
    off();
    client.close();
    rpc.close();
    ch.port1.close();
    ch.port2.close();
    keepAlive.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

export default async function receiptsBench(bench: Bench): Promise<void> {
  await bench.section('Approval receipts — per use', () => perUse(bench));
  await bench.section('Approval receipts — beside the gateway per call', () => perCall(bench));
}
