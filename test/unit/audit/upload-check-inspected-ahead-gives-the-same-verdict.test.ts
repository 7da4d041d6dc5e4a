/**
 * The server inspects an upload's records and seals before it takes the org's log lock
 * (inspectAhead) and hands the inspections to verifyAppend. The verdict — accepted
 * records, seals, head, or the first bad item with its reason, index and message — must
 * be the one verifyAppend reaches on its own, for honest batches, retries and every kind
 * of damage, v3 and v2 alike.
 */
import { describe, expect, it } from 'vitest';
import { inspectAhead, verifyAppend, type AuditRecord, type AuditSeal, type ChainHead } from '../../../src/core/audit';
import { makeDevice, makeV3Device, sampleEvent } from './fixtures';

type Case = { name: string; head: ChainHead | undefined; batch: unknown[]; seals: unknown[]; stored?: Map<number, string> };

async function cases(): Promise<{ key: Uint8Array; id: string; list: Case[] }> {
  const d = makeV3Device('dev-a', 7);
  const records: AuditRecord[] = [];
  const seals: AuditSeal[] = [];
  for (let i = 0; i < 12; i++) {
    records.push(await d.log.append(sampleEvent(i)));
    if (i === 5 || i === 11) seals.push((await d.log.seal())!);
  }
  const other = makeV3Device('dev-b', 8);
  const foreign = await other.log.append(sampleEvent(0));
  const edited = { ...records[3]!, outcome: 'denied' };
  const head6 = { seq: 6, hash: records[5]!.hash };
  const list: Case[] = [
    { name: 'honest', head: undefined, batch: records, seals },
    { name: 'second half', head: head6, batch: records.slice(6), seals: seals.slice(1) },
    { name: 'retry with held records', head: head6, batch: records.slice(4), seals, stored: new Map([[5, records[4]!.hash]]) },
    { name: 'retry, held record differs (fork)', head: head6, batch: [edited, ...records.slice(4)], seals, stored: new Map([[4, records[3]!.hash]]) },
    { name: 'tampered', head: undefined, batch: records.map((r, i) => (i === 3 ? edited : r)), seals },
    { name: 'dropped', head: undefined, batch: records.filter((_, i) => i !== 4), seals },
    { name: 'reordered', head: undefined, batch: [records[0], records[2], records[1], ...records.slice(3)], seals },
    { name: 'truncated', head: undefined, batch: records.slice(0, 10), seals },
    { name: 'no seal', head: undefined, batch: records, seals: [] },
    { name: 'resigned seal', head: undefined, batch: records, seals: [seals[0], { ...seals[1]!, sig: '00'.repeat(64) }] },
    { name: 'foreign record', head: undefined, batch: [...records.slice(0, 2), foreign, ...records.slice(2)], seals },
    { name: 'malformed record', head: undefined, batch: [...records.slice(0, 3), { ...records[3], value: 'x' }, ...records.slice(4)], seals },
    { name: 'malformed after held', head: head6, batch: [...records.slice(5, 7), 42, ...records.slice(7)], seals },
    { name: 'a seal among records', head: undefined, batch: [records[0], seals[0], ...records.slice(1)], seals },
    { name: 'bad item in seals', head: undefined, batch: records, seals: [...seals, { type: 'seal' }] },
  ];
  return { key: d.publicKey, id: d.id, list };
}

describe('verifyAppend with inspections done ahead', () => {
  it('gives the same verdict as without them, on honest, retried and damaged v3 uploads', async () => {
    const { key, id, list } = await cases();
    const reasons = new Set<string>();
    for (const c of list) {
      const opts = { deviceId: id, seals: c.seals, ...(c.stored ? { stored: c.stored } : {}) };
      const plain = verifyAppend(c.head, c.batch, key, opts);
      const ahead = verifyAppend(c.head, c.batch, key, { ...opts, inspected: inspectAhead([...c.batch, ...c.seals], (d) => (d === id ? key : undefined)) });
      expect(ahead, c.name).toEqual(plain);
      reasons.add(plain.ok ? 'ok' : plain.reason);
    }
    expect(reasons.size).toBeGreaterThan(6);
  });

  it('and on v2 uploads (one signature per record), a bad signature included', async () => {
    const d = makeDevice('dev-v2', 9);
    const records = [];
    for (let i = 0; i < 6; i++) records.push(await d.log.append(sampleEvent(i)));
    const resigned = { ...records[2]!, sig: '11'.repeat(64) };
    for (const batch of [records, records.map((r, i) => (i === 2 ? resigned : r))]) {
      const plain = verifyAppend(undefined, batch, d.publicKey, { deviceId: d.id });
      const ahead = verifyAppend(undefined, batch, d.publicKey, { deviceId: d.id, inspected: inspectAhead(batch, () => d.publicKey) });
      expect(ahead).toEqual(plain);
    }
  });
});
