/**
 * The streaming verifier behind `latchkey audit verify` (src/node/verify-stream.ts)
 * reads the export line by line and checks lines on worker threads in chunks; it must
 * reach the same verdict, the same first bad item and the same reason as verifyChain
 * over the whole file — for v2 and v3 exports, on this thread, on workers, and on both
 * (this thread checks chunks while the workers start), with
 * chunk boundaries anywhere — and name the right line (blank lines included).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditLeafHash, computeRecordHashHex, createEd25519Signer, merkleRoot, signCheckpoint, verifyChain, type AuditRecord, type AuditSeal } from '../../../src/core/audit';
import { verifyExportFile } from '../../../src/node/verify-stream';
import { interleavedLog, interleavedV3Log, makeDevice, makeV3Device, seedKey } from './fixtures';

type Item = AuditRecord | AuditSeal;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function file(items: readonly unknown[], blankAt = -1): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-stream-'));
  dirs.push(dir);
  const lines = items.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  if (blankAt >= 0) lines.splice(blankAt, 0, '', '   ');
  const path = join(dir, 'log.jsonl');
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

const isSeal = (x: Item): boolean => 'type' in x;
const at = (items: Item[], device: string, seq: number, seal = false) => items.findIndex((x) => x.device === device && x.seq === seq && isSeal(x) === seal);

async function damaged(): Promise<{ name: string; v: 2 | 3; items: Item[]; keys: Map<string, Uint8Array> }[]> {
  const a2 = makeDevice('device-a', 71);
  const b2 = makeDevice('device-b', 72);
  const v2 = await interleavedLog([a2, b2], 10);
  const a3 = makeV3Device('device-a', 73);
  const b3 = makeV3Device('device-b', 74);
  const v3: Item[] = await interleavedV3Log([a3, b3], 10, 3);
  const k2 = new Map([a2, b2].map((d) => [d.id, d.publicKey] as const));
  const k3 = new Map([a3, b3].map((d) => [d.id, d.publicKey] as const));
  const cases: { name: string; v: 2 | 3; items: Item[]; keys: Map<string, Uint8Array> }[] = [];
  for (const [v, items, keys] of [
    [2, v2 as Item[], k2],
    [3, v3, k3],
  ] as const) {
    const edit = (f: (t: Item[]) => void) => {
      const t = items.slice();
      f(t);
      return t;
    };
    cases.push({ name: 'honest', v, items, keys });
    cases.push({ name: 'tampered', v, keys, items: edit((t) => (t[at(t, 'device-a', 5)] = { ...(t[at(t, 'device-a', 5)] as AuditRecord), outcome: 'failure' })) });
    cases.push({ name: 'dropped', v, keys, items: edit((t) => t.splice(at(t, 'device-b', 4), 1)) });
    cases.push({
      name: 'reordered',
      v,
      keys,
      items: edit((t) => {
        const i = at(t, 'device-a', 6);
        const j = at(t, 'device-a', 7);
        [t[i], t[j]] = [t[j]!, t[i]!];
      }),
    });
    cases.push({ name: 'truncated', v, keys, items: items.filter((x) => !(x.device === 'device-b' && !isSeal(x) && x.seq > 8)) });
    cases.push({
      name: 're-hashed',
      v,
      keys,
      items: edit((t) => {
        const k = at(t, 'device-b', 9);
        const r = { ...(t[k] as AuditRecord), outcome: 'failure' as const };
        t[k] = { ...r, hash: computeRecordHashHex(r) };
      }),
    });
    cases.push({ name: 'foreign key', v, items, keys: new Map([...keys, ['device-a', createEd25519Signer(seedKey(79)).publicKey]]) });
  }
  return cases;
}

describe('streaming parallel verifier', () => {
  it('gives verifyChain’s verdict, index and reason for every damage, v2 and v3, in-thread and on 2 workers', async () => {
    for (const c of await damaged()) {
      const expected = verifyChain(c.items, { publicKeyFor: (d) => c.keys.get(d) });
      const path = await file(c.items);
      // On 2 workers only, and on 2 workers with this thread checking the chunks sent before they start.
      for (const [threads, onlyWorkers] of [
        [0, false],
        [2, true],
        [2, false],
      ] as const) {
        const got = await verifyExportFile(path, { deviceKeys: c.keys, threads, chunkLines: 4, onlyWorkers });
        const label = `v${c.v} ${c.name}, ${threads} threads${onlyWorkers ? ' only' : ''}`;
        if (expected.ok) {
          expect(got, label).toMatchObject({ ok: true, records: expected.count });
        } else {
          expect(got, label).toMatchObject({ kind: 'record', reason: expected.reason, index: expected.index, line: expected.index + 1 });
          expect(got.ok, label).toBe(false);
        }
      }
    }
    // Some damage of each kind must have been found, with its own reason.
    const reasons = new Set<string>();
    for (const c of await damaged()) {
      const r = verifyChain(c.items, { publicKeyFor: (d) => c.keys.get(d) });
      if (!r.ok) reasons.add(`v${c.v}:${r.reason}`);
    }
    expect([...reasons].sort()).toEqual(
      ['v2:bad_hash', 'v2:bad_signature', 'v2:gap', 'v2:reorder', 'v3:bad_hash', 'v3:bad_signature', 'v3:gap', 'v3:reorder', 'v3:seal_mismatch', 'v3:truncated'].sort(),
    );
  });

  it('counts "\\r\\n" and a lone "\\r" as one line break each, as readline does, naming the same line', async () => {
    const a = makeV3Device('device-a', 77);
    const items: Item[] = await interleavedV3Log([a], 12, 5);
    const keys = new Map([[a.id, a.publicKey]]);
    const bad = items.slice();
    const k = at(bad, 'device-a', 9);
    bad[k] = { ...(bad[k] as AuditRecord), outcome: 'failure' };
    const lines = bad.map((x) => JSON.stringify(x));
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-stream-'));
    dirs.push(dir);
    const path = join(dir, 'crlf.jsonl');
    // CRLF after the first half, a lone CR between the others.
    await writeFile(path, lines.slice(0, 6).join('\r\n') + '\r\n' + lines.slice(6).join('\r') + '\n');
    for (const threads of [0, 2]) {
      expect(await verifyExportFile(path, { deviceKeys: keys, threads, chunkLines: 3, onlyWorkers: true })).toMatchObject({ reason: 'bad_hash', seq: 9, line: k + 1 });
    }
    await writeFile(path, items.map((x) => JSON.stringify(x)).join('\r\n'));
    expect(await verifyExportFile(path, { deviceKeys: keys })).toMatchObject({ ok: true, records: 12 });
  });

  it('names the line past blank lines, refuses a line that is not JSON, and checks checkpoints as it streams', async () => {
    const a = makeV3Device('device-a', 75);
    const items: Item[] = await interleavedV3Log([a], 12, 5);
    const keys = new Map([[a.id, a.publicKey]]);
    const bad = items.slice();
    bad[at(bad, 'device-a', 9)] = { ...(bad[at(bad, 'device-a', 9)] as AuditRecord), outcome: 'failure' };
    const withBlanks = await file(bad, 3);
    expect(await verifyExportFile(withBlanks, { deviceKeys: keys, threads: 2, chunkLines: 3, onlyWorkers: true })).toMatchObject({
      reason: 'bad_hash',
      seq: 9,
      line: at(bad, 'device-a', 9) + 3,
    });
    const notJson = await file([...items.slice(0, 2), '{"v":3,', ...items.slice(2)]);
    expect(await verifyExportFile(notJson, { deviceKeys: keys })).toMatchObject({ reason: 'malformed', line: 3, message: 'Line 3 is not valid JSON.' });

    const server = createEd25519Signer(seedKey(76));
    const records = items.filter((x): x is AuditRecord => !isSeal(x));
    const leaves = records.map(auditLeafHash);
    const cp = (n: number) => signCheckpoint({ log: 'org-1', size: n, root: merkleRoot(leaves, n), time: '2026-01-02T03:04:05.000Z' }, server);
    const checkpoints = [await cp(12), await cp(4)];
    const honest = await file(items);
    expect(await verifyExportFile(honest, { deviceKeys: keys, serverKeys: [server.publicKey], checkpoints, log: 'org-1', threads: 2, chunkLines: 2, onlyWorkers: true })).toEqual({
      ok: true,
      records: 12,
      devices: 1,
      checkpoints: 2,
      coveredRecords: 12,
    });
    // The last records and their seal removed: the chain alone cannot tell, the checkpoint can.
    const cut = await file(items.filter((x) => x.seq <= 10));
    expect(await verifyExportFile(cut, { deviceKeys: keys, serverKeys: [server.publicKey], checkpoints })).toMatchObject({
      kind: 'checkpoint',
      reason: 'truncated',
      checkpoint: 0,
    });
    expect(await verifyExportFile(honest, { deviceKeys: keys, serverKeys: [createEd25519Signer(seedKey(77)).publicKey], checkpoints })).toMatchObject({
      kind: 'checkpoint',
      reason: 'unknown_key',
    });
  });
});
