/**
 * The receipt checks of `latchkey audit verify` (docs/audit-format.md §1.7), on chains
 * the real AuditLog signs: ES256 and EdDSA touches verify against the key the device
 * published earlier; every way to break a receipt (misplaced, another target, a digest
 * that is not the request's, a nonce used twice, a grant that does not fit, an
 * unpublished key, a bad signature, a republished key) is named with its record, and
 * the streaming verifier the CLI runs says the same as the whole-export verifier.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MemoryAuditStore,
  createAuditLog,
  createEd25519Signer,
  generateEd25519SecretKey,
  recordsToJsonLines,
  verifyAuditExport,
  type AuditEventInput,
} from '../../../src/core/audit';
import type { AuditExportItem } from '../../../src/core/audit/export';
import { approvalClientDataHash, approvalRequestDigest, jcsHash, sha256Hex } from '../../../src/core/audit/receipt';
import { verifyExportFile } from '../../../src/node/verify-stream';
import {
  APPROVAL_RP_ID,
  type ApprovalKey,
  type ApprovalReceipt,
  type ApprovalRequest,
  type DownstreamApprovalRequest,
  type HttpApprovalRequest,
  type RunCommandApprovalRequest,
} from '../../../src/shared/contracts/approval-receipt';
import { toBase64url } from '../../../src/shared/encoding/base64url';

const DEVICE = 'dev-receipts';
const ITEM = 'AAAAAAAAAAAAAAAAAAAAAA';
const AGENT = 'agent-1';
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

let nonceCounter = 0;
function request(o: Partial<HttpApprovalRequest> = {}): HttpApprovalRequest {
  const nonce = new Uint8Array(16);
  nonce[0] = ++nonceCounter;
  return {
    v: 1,
    itemId: ITEM,
    agent: AGENT,
    tool: 'http_request',
    method: 'POST',
    origin: 'https://api.example.com',
    urlHash: sha256Hex(utf8ToBytes('https://api.example.com/v1/x')),
    headersHash: sha256Hex(utf8ToBytes('{}')),
    bodyHash: sha256Hex(utf8ToBytes('{"a":1}')),
    bodyBytes: 7,
    time: '2026-01-02T03:04:05.678Z',
    nonce: toBase64url(nonce),
    ...o,
  };
}

/** A software signer standing in for a security key: ES256 (DER) or EdDSA, as WebAuthn assertions are made. */
function softApprover(alg: -7 | -8) {
  const credentialId = sha256(utf8ToBytes(`cred ${alg}`));
  const sk = alg === -7 ? p256.utils.randomSecretKey() : ed25519.utils.randomSecretKey();
  const key: ApprovalKey =
    alg === -7
      ? (() => {
          const pub = p256.getPublicKey(sk, false);
          return {
            credentialId: toBase64url(credentialId),
            alg,
            rpId: APPROVAL_RP_ID,
            publicKey: { kty: 'EC', crv: 'P-256', x: toBase64url(pub.slice(1, 33)), y: toBase64url(pub.slice(33)) },
          };
        })()
      : { credentialId: toBase64url(credentialId), alg, rpId: APPROVAL_RP_ID, publicKey: { kty: 'OKP', crv: 'Ed25519', x: toBase64url(ed25519.getPublicKey(sk)) } };
  const touch = (digest: string, flags = 0x01): NonNullable<ApprovalReceipt['touch']> => {
    const authData = concatBytes(sha256(utf8ToBytes(APPROVAL_RP_ID)), new Uint8Array([flags, 0, 0, 0, 7]));
    const msg = concatBytes(authData, approvalClientDataHash(digest));
    const signature = alg === -7 ? p256.sign(msg, sk, { format: 'der' }) : ed25519.sign(msg, sk);
    return { credentialId: key.credentialId, authenticatorData: toBase64url(authData), signature: toBase64url(signature) };
  };
  return { key, touch };
}

function receiptFor(req: ApprovalRequest, extra: Partial<ApprovalReceipt> = {}): ApprovalReceipt {
  return { v: 1, digest: approvalRequestDigest(req), request: req, ...extra };
}

function use(receipt: ApprovalReceipt, reason = 'approved_once', target: Record<string, string> = {}): AuditEventInput {
  return {
    action: 'credential.use',
    actor: { type: 'agent', id: AGENT },
    outcome: 'success',
    reason: reason as AuditEventInput['reason'],
    target: { itemId: ITEM, tool: 'http_request', origin: 'https://api.example.com', method: 'POST', ...target },
    receipt,
  };
}

function runRequest(o: Partial<RunCommandApprovalRequest> = {}): RunCommandApprovalRequest {
  const { nonce, time, agent, itemId } = request();
  return { v: 1, itemId, agent, tool: 'run_command', command: 'node', argvHash: jcsHash(['node', '-e', '1']), envHash: jcsHash(['TOKEN']), time, nonce, ...o };
}

function downstreamRequest(o: Partial<DownstreamApprovalRequest> = {}): DownstreamApprovalRequest {
  const { nonce, time, agent } = request();
  return { v: 1, agent, tool: 'downstream', server: 'github', serverTool: 'create_issue', argumentsHash: jcsHash({ title: 'x' }), time, nonce, ...o };
}

/** A run_command release record (target: the program's name) carrying `receipt`. */
function runUse(receipt: ApprovalReceipt, command = 'node'): AuditEventInput {
  return {
    action: 'credential.use',
    actor: { type: 'agent', id: AGENT },
    outcome: 'success',
    reason: 'approved_once',
    target: { itemId: ITEM, tool: 'run_command', command },
    receipt,
  };
}

/** A downstream server-use record (no credential) carrying `receipt`. */
function callUse(receipt: ApprovalReceipt, serverTool = 'create_issue'): AuditEventInput {
  return {
    action: 'credential.use',
    actor: { type: 'agent', id: AGENT },
    outcome: 'success',
    reason: 'approved_once',
    target: { tool: 'downstream', server: 'github', serverTool },
    receipt,
  };
}

const publish = (key: ApprovalKey): AuditEventInput => ({ action: 'approval_key.add', actor: { type: 'person' }, outcome: 'success', approvalKey: key });

async function chainOf(events: AuditEventInput[]) {
  const store = new MemoryAuditStore();
  const sk = generateEd25519SecretKey();
  const signer = createEd25519Signer(sk);
  const log = createAuditLog({ store, signer, deviceId: DEVICE });
  for (const e of events) await log.append(e);
  await log.seal();
  const records = await store.range(1, 1000);
  const seals = await store.seals(1, Number.MAX_SAFE_INTEGER);
  const items: AuditExportItem[] = [];
  for (const r of records) {
    items.push(r);
    const s = seals.find((x) => x.seq === r.seq);
    if (s) items.push(s);
  }
  return { items, keys: new Map([[DEVICE, signer.publicKey]]) };
}

async function bothVerdicts(events: AuditEventInput[]) {
  const { items, keys } = await chainOf(events);
  const whole = verifyAuditExport(items, { deviceKeys: keys });
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-receipts-'));
  dirs.push(dir);
  const file = join(dir, 'log.jsonl');
  await writeFile(file, recordsToJsonLines(items));
  const streamed = await verifyExportFile(file, { deviceKeys: keys, threads: 0 });
  // On worker threads (what the CLI uses for large files), in small chunks: the same verdict.
  const onWorkers = await verifyExportFile(file, { deviceKeys: keys, threads: 2, chunkLines: 2, onlyWorkers: true });
  expect(onWorkers).toEqual(streamed);
  return { whole, streamed };
}

describe('receipts in an export are checked and the first bad one is named', () => {
  it('ES256 and EdDSA touches against published keys, and plain and standing-grant receipts, verify', async () => {
    const es = softApprover(-7);
    const ed = softApprover(-8);
    const r1 = request();
    const r2 = request();
    const r3 = request();
    const r4 = request({ method: 'GET' });
    const { whole, streamed } = await bothVerdicts([
      publish(es.key),
      publish(ed.key),
      use(receiptFor(r1, { touch: es.touch(approvalRequestDigest(r1)) })),
      use(receiptFor(r2, { touch: ed.touch(approvalRequestDigest(r2), 0x05) })),
      use(receiptFor(r3)),
      use(receiptFor(r4, { grant: { mode: 'session', at: '2026-01-02T03:00:00.000Z' } }), 'session', { method: 'GET' }),
    ]);
    expect(whole).toMatchObject({ ok: true, receipts: 4, touches: 2 });
    expect(streamed).toMatchObject({ ok: true, receipts: 4, touches: 2 });
  });

  it('run_command and downstream receipts (with a cwd, with a touch) verify against their records', async () => {
    const es = softApprover(-7);
    const run = runRequest({ cwdHash: sha256Hex(utf8ToBytes('/srv/app')) });
    const { whole, streamed } = await bothVerdicts([
      publish(es.key),
      runUse(receiptFor(run, { touch: es.touch(approvalRequestDigest(run)) })),
      runUse(receiptFor(runRequest())),
      callUse(receiptFor(downstreamRequest())),
    ]);
    expect(whole).toMatchObject({ ok: true, receipts: 3, touches: 1 });
    expect(streamed).toMatchObject({ ok: true, receipts: 3, touches: 1 });
  });

  const es = softApprover(-7);
  const other = softApprover(-8);
  const cases: Array<[string, () => AuditEventInput[], string, number]> = [
    ['a receipt on a refusal', () => [{ ...use(receiptFor(request())), outcome: 'denied', reason: 'approval_denied' }], 'receipt_misplaced', 1],
    ['a receipt for another credential', () => [use(receiptFor(request({ itemId: 'BBBBBBBBBBBBBBBBBBBBBB' })))], 'receipt_mismatch', 1],
    ['a receipt for another method', () => [use(receiptFor(request({ method: 'DELETE' })))], 'receipt_mismatch', 1],
    ['a run_command receipt for another program', () => [runUse(receiptFor(runRequest({ command: 'sh' })))], 'receipt_mismatch', 1],
    ['a run_command receipt in an http_request record', () => [use(receiptFor(runRequest()))], 'receipt_mismatch', 1],
    ['a run_command receipt whose argv hash was changed', () => [runUse({ ...receiptFor(runRequest()), request: runRequest({ argvHash: jcsHash(['sh']) }) })], 'receipt_digest', 1],
    [
      'a run_command receipt used twice',
      () => {
        const r = runRequest();
        return [runUse(receiptFor(r)), runUse(receiptFor({ ...r, time: '2026-01-02T03:04:06.000Z' }))];
      },
      'receipt_replayed',
      2,
    ],
    ['a downstream receipt for another tool of the server', () => [callUse(receiptFor(downstreamRequest({ serverTool: 'delete_repo' })))], 'receipt_mismatch', 1],
    ['a receipt for another agent', () => [use(receiptFor(request({ agent: 'agent-2' })))], 'receipt_mismatch', 1],
    ['a digest that is not the request’s', () => [use({ ...receiptFor(request()), digest: sha256Hex(utf8ToBytes('other')) })], 'receipt_digest', 1],
    [
      'a nonce used twice',
      () => {
        const r = request();
        return [use(receiptFor(r)), use(receiptFor({ ...r, time: '2026-01-02T03:04:06.000Z' }))];
      },
      'receipt_replayed',
      2,
    ],
    ['a standing-grant use that names no grant', () => [use(receiptFor(request()), 'always')], 'receipt_grant', 1],
    ['a grant made after the request', () => [use(receiptFor(request(), { grant: { mode: 'always', at: '2027-01-01T00:00:00.000Z' } }), 'always')], 'receipt_grant', 1],
    [
      'a touch by a key never published',
      () => {
        const r = request();
        return [publish(es.key), use(receiptFor(r, { touch: other.touch(approvalRequestDigest(r)) }))];
      },
      'receipt_unknown_key',
      2,
    ],
    [
      'a touch made for another request',
      () => {
        const r = request();
        return [publish(es.key), use(receiptFor(r, { touch: es.touch(approvalRequestDigest(request())) }))];
      },
      'receipt_bad_touch',
      2,
    ],
    [
      'a touch without user presence',
      () => {
        const r = request();
        return [publish(es.key), use(receiptFor(r, { touch: es.touch(approvalRequestDigest(r), 0x00) }))];
      },
      'receipt_bad_touch',
      2,
    ],
    ['a key published again with another public key', () => [publish(es.key), publish({ ...other.key, credentialId: es.key.credentialId })], 'approval_key_conflict', 2],
    ['an approval key on another action', () => [{ ...publish(es.key), action: 'slot.add' }], 'approval_key_misplaced', 1],
    [
      'an approval_key.add that publishes no key',
      () => {
        const { approvalKey: _k, ...bare } = publish(es.key);
        return [bare];
      },
      'approval_key_misplaced',
      1,
    ],
  ];
  for (const [what, events, reason, seq] of cases) {
    it(`${what}: ${reason} at seq ${seq}, by both verifiers`, async () => {
      const { whole, streamed } = await bothVerdicts(events());
      expect(whole).toMatchObject({ kind: 'receipt', reason, seq, device: DEVICE });
      expect(streamed).toMatchObject({ kind: 'receipt', reason, seq, device: DEVICE });
    });
  }
});
