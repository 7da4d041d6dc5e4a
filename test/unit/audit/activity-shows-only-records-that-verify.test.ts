/**
 * What the Activity page reads (EngineAuditContract 'audit.recent', served by the
 * engine worker with createAuditReader): a real AuditLog on a real Dexie audit store
 * (fake-indexeddb), read back over a real RPC port with the contract's schemas. Every
 * record returned verifies; when someone edits the stored log — a changed outcome, a
 * record re-signed with another key, one deleted, the record just below the page
 * changed — the answer is `failed`, naming the record, and holds no records at all.
 */
import 'fake-indexeddb/auto';
import { MessageChannel } from 'node:worker_threads';
import Dexie from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { computeRecordHashHex, createAuditLog, createEd25519Signer, generateEd25519SecretKey, type AuditRecord, type AuditSeal } from '../../../src/core/audit';
import { signSeal } from '../../../src/core/audit/seal';
import { createDexieAuditStore } from '../../../src/core/audit/audit-store.dexie';
import { createAuditReader } from '../../../src/core/audit/recent';
import { deviceIdForPublicKey } from '../../../src/core/sync/device-id';
import { EngineAuditContract } from '../../../src/shared/contracts/engine-audit';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc, serveRpc } from '../../../src/shared/rpc/rpc';
import { freshDbName } from '../core/helpers';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** A device's chain of `n` records and the page's client to it, as the worker serves it. */
async function device(n: number) {
  const name = freshDbName();
  const store = createDexieAuditStore({ name });
  const signer = createEd25519Signer(generateEd25519SecretKey());
  const deviceId = deviceIdForPublicKey(signer.publicKey);
  const log = createAuditLog({ store, signer, deviceId });
  await log.append({ action: 'vault.create', actor: { type: 'person' }, outcome: 'success' });
  for (let i = 2; i <= n; i++) {
    await log.append({
      action: 'credential.use',
      actor: { type: 'agent', id: 'agent-1' },
      target: { tool: 'http_request', origin: 'https://api.example.com' },
      outcome: i % 2 === 0 ? 'denied' : 'success',
      reason: i % 2 === 0 ? 'approval_denied' : 'approved_once',
    });
  }
  await log.seal();
  const reader = createAuditReader({ store, deviceId, publicKey: signer.publicKey });
  const ch = new MessageChannel();
  const server = serveRpc(fromNodeMessagePort(ch.port1), EngineAuditContract, { 'audit.recent': (p) => reader.recent(p) });
  const client = connectRpc(fromNodeMessagePort(ch.port2), EngineAuditContract);
  // The stored log, as anyone who can write this IndexedDB database sees it.
  const raw = new Dexie(name);
  raw.version(2).stores({ records: 'seq', meta: 'key', seals: 'seq' });
  closers.push(() => {
    client.close();
    server.close();
    ch.port1.close();
    ch.port2.close();
    raw.close();
    store.close();
  });
  const records = raw.table<AuditRecord, number>('records');
  const seals = raw.table<AuditSeal, number>('seals');
  return { client, deviceId, records, seals };
}

describe('the Activity page sees only records that verify', () => {
  it('returns the newest records first, verified, and pages back to the first one', async () => {
    const { client, deviceId } = await device(7);
    const first = await client.call('audit.recent', { limit: 3 });
    expect(first).toMatchObject({ state: 'verified', deviceId, total: 7, older: 5 });
    if (first.state !== 'verified') throw new Error('expected verified');
    expect(first.entries.map((e) => e.seq)).toEqual([7, 6, 5]);
    expect(first.entries[0]).toMatchObject({ action: 'credential.use', outcome: 'success', reason: 'approved_once', target: { tool: 'http_request' } });
    const second = await client.call('audit.recent', { beforeSeq: 5, limit: 3 });
    if (second.state !== 'verified') throw new Error('expected verified');
    expect(second.entries.map((e) => e.seq)).toEqual([4, 3, 2]);
    const last = await client.call('audit.recent', { beforeSeq: 2, limit: 3 });
    expect(last).toMatchObject({ state: 'verified', older: null, entries: [{ seq: 1, action: 'vault.create', actor: { type: 'person' } }] });
  });

  it('an edited outcome (a refusal turned into an allowed use) is reported, and nothing is shown', async () => {
    const { client, records } = await device(6);
    // Read once first: signatures it verified then must not vouch for the edited record.
    expect((await client.call('audit.recent', { limit: 10 })).state).toBe('verified');
    await records.update(4, { outcome: 'success', reason: 'approved_once' });
    const r = await client.call('audit.recent', { limit: 10 });
    expect(r).toMatchObject({ state: 'failed', seq: 4 });
    if (r.state !== 'failed') throw new Error('expected failed');
    expect(r.message).toContain('Record 4');
    expect(r.message).toContain('altered');
    expect(r).not.toHaveProperty('entries');
  });

  it('a record re-hashed and re-signed with another key is reported as not signed by this device', async () => {
    const { client, records, seals } = await device(5);
    expect((await client.call('audit.recent', {})).state).toBe('verified');
    const forger = createEd25519Signer(generateEd25519SecretKey());
    // Record 3 rewritten, records 4 and 5 re-linked after it, and the seal over 5 re-signed by another key.
    let prev = (await records.get(2))!.hash;
    let head: AuditRecord | undefined;
    for (const seq of [3, 4, 5]) {
      const r = (await records.get(seq))!;
      const forged = { ...r, prevHash: prev, ...(seq === 3 ? { outcome: 'success' as const, reason: 'approved_once' as const } : {}) };
      forged.hash = computeRecordHashHex(forged);
      await records.put(forged);
      prev = forged.hash;
      head = forged;
    }
    await seals.put(await signSeal({ device: head!.device, seq: 5, hash: head!.hash, time: head!.time }, forger));
    const r = await client.call('audit.recent', {});
    expect(r).toMatchObject({ state: 'failed', seq: 5 });
    if (r.state !== 'failed') throw new Error('expected failed');
    expect(r.message).toContain('no valid signature');
  });

  it('a deleted record is reported as a gap', async () => {
    const { client, records } = await device(6);
    await records.delete(3);
    const r = await client.call('audit.recent', {});
    expect(r.state).toBe('failed');
    if (r.state !== 'failed') throw new Error('expected failed');
    expect(r.message).toContain('record 3 is missing');
  });

  it('the record just below the page is checked too: a page cannot be cut loose from its chain', async () => {
    const { client, records } = await device(6);
    await records.update(3, { outcome: 'failure' });
    // The page is records 4–6; record 3 was altered.
    expect(await client.call('audit.recent', { limit: 3 })).toMatchObject({ state: 'failed', seq: 3 });
  });

  it('a stored row that is not an audit record at all is reported, not thrown', async () => {
    const { client, records } = await device(3);
    await records.update(2, { value: 'sk-live_smuggled' } as never);
    const r = await client.call('audit.recent', {});
    expect(r.state).toBe('failed');
    expect(JSON.stringify(r)).not.toContain('sk-live_smuggled');
  });
});
