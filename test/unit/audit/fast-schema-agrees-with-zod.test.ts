/**
 * The fast path of record parsing (src/core/audit/fast-schema.ts, compiled from the zod
 * schema) and of an export line (record-line.ts: JSON.parse, that schema, a member-name
 * count instead of strict-json's scan) may only ever say "accepted, and here is what zod
 * returns" or "not sure". Checked differentially: every record shape of every version,
 * each mutated member by member (removed, retyped, emptied, overlong, odd characters,
 * an unknown sibling, present as undefined, another prototype), and export lines with
 * repeated names, whitespace, escapes and other number spellings. Wherever the fast path
 * accepts, zod (and the strict parser) accept and give the same value, member order
 * included (the server stores JSON.stringify of it); on every good record it is taken.
 */
import { describe, expect, it } from 'vitest';
import { auditRecordSchema, type AuditRecord } from '../../../src/core/audit';
import { auditEventInputSchema, fastAuditRecord, parseAuditEvent, parseAuditRecord } from '../../../src/core/audit/record';
import { fastRecordLine } from '../../../src/core/audit/record-line';
import { auditSealSchema } from '../../../src/core/audit/seal';
import { fastAuditSeal } from '../../../src/core/audit/seal';
import { tryParseStrictJson } from '../../../src/shared/encoding/strict-json';

const H = (c: string) => c.repeat(64);
const SIG = 'ab'.repeat(64);
const ITEM = 'AAAAAAAAAAAAAAAAAAAAAA';
const TIME = '2026-01-02T03:04:05.678Z';
const NONCE = 'AAAAAAAAAAAAAAAAAAAAAA';

const fullTarget = {
  itemId: ITEM,
  slotId: 'slot_1',
  origin: 'https://api.example.com:8443',
  field: 'custom:q',
  deviceId: 'dev-2',
  tool: 'http_request',
  command: 'node',
  method: 'POST',
  server: 'github',
  serverTool: 'create_issue',
  dlpRule: 'aws:key',
  budget: 'uses_per_hour',
  rule: 'burst',
  policyKeyId: '0123456789abcdef',
};

const httpReceipt = {
  v: 1,
  digest: H('d'),
  request: {
    v: 1,
    itemId: ITEM,
    agent: 'claude-desktop',
    tool: 'http_request',
    method: 'GET',
    origin: 'https://api.example.com',
    urlHash: H('1'),
    headersHash: H('2'),
    bodyHash: H('3'),
    bodyBytes: 0,
    time: TIME,
    nonce: NONCE,
  },
  grant: { mode: 'session', at: TIME },
};
const runReceipt = {
  v: 1,
  digest: H('e'),
  request: { v: 1, itemId: ITEM, agent: 'a', tool: 'run_command', command: 'node', argvHash: H('4'), envHash: H('5'), cwdHash: H('6'), time: TIME, nonce: NONCE },
  touch: { credentialId: 'AAAA', authenticatorData: 'BBBB', signature: 'CCCC' },
};
const approvalKey = { credentialId: 'AAAA', alg: -8, publicKey: { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43) }, rpId: 'latchkey.local' };

function base(v: 1 | 2 | 3): Record<string, unknown> {
  return { v, seq: 7, time: TIME, device: 'device-0', prevHash: H('0'), action: 'credential.use', actor: { type: 'agent', id: 'claude-desktop' }, outcome: 'success' };
}

/** Good records of every version and shape (members in a scrambled order, as another writer may send them). */
function goodRecords(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const v of [1, 2, 3] as const) {
    const signed = v === 3 ? { hash: H('a') } : { hash: H('a'), sig: SIG };
    const target = v === 1 ? { itemId: ITEM, slotId: 's', origin: 'https://x.example', field: 'password', deviceId: 'd' } : fullTarget;
    out.push({ ...base(v), ...signed });
    out.push({ ...base(v), ...signed, target, reason: v === 1 ? 'any.token' : 'approved_once' });
    out.push({ ...signed, reason: 'wrong_password', outcome: 'failure', actor: { type: 'person' }, action: 'vault.unlock', ...base(v), seq: Number.MAX_SAFE_INTEGER });
    out.push({ ...base(v), ...signed, target: { field: 'password' }, actor: { id: 'x', type: 'system' } });
  }
  out.push({ ...base(3), hash: H('b'), target: { itemId: ITEM, origin: 'https://api.example.com', tool: 'http_request' }, receipt: httpReceipt, reason: 'approved_session' });
  out.push({ ...base(3), hash: H('b'), target: { command: 'node' }, receipt: runReceipt });
  out.push({ ...base(3), hash: H('c'), action: 'approval_key.add', approvalKey });
  return out;
}

const oddValues: unknown[] = [
  undefined,
  null,
  '',
  ' ',
  'x'.repeat(400),
  'é',
  '\u{1F600}',
  '\uD800',
  'a"b',
  'a\\b',
  ':x',
  'A'.repeat(22),
  'A'.repeat(21),
  H('0'),
  H('A'),
  TIME,
  '2026-01-02T03:04:05Z',
  'https://api.example.com/path',
  'HTTP',
  'get',
  'success',
  'person',
  'approved_once',
  'credential.use',
  0,
  -0,
  1,
  -1,
  1.5,
  3,
  2,
  Number.MAX_SAFE_INTEGER + 1,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '7',
  true,
  [],
  ['a'],
  {},
  { type: 'person' },
  Object.create(null) as object,
];

/** Every path to a member of `x`, nested objects included. */
function paths(x: unknown, prefix: string[] = []): string[][] {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return [];
  return Object.entries(x).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

const clone = <T>(x: T): T => structuredClone(x);

function edit(x: Record<string, unknown>, path: readonly string[], f: (parent: Record<string, unknown>, key: string) => void): Record<string, unknown> {
  const y = clone(x);
  let parent = y;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
  f(parent, path[path.length - 1]!);
  return y;
}

function* mutations(x: Record<string, unknown>): Generator {
  yield x;
  yield Object.assign(Object.create(null), x);
  yield Object.assign(Object.create({ inherited: true }) as object, x);
  yield [x];
  yield { ...x, extra: 1 };
  yield { ...x, __proto__: { hash: H('f') } };
  for (const p of [[], ...paths(x)]) {
    if (p.length > 0) {
      yield edit(x, p, (o, k) => Reflect.deleteProperty(o, k));
      for (const v of oddValues) yield edit(x, p, (o, k) => (o[k] = v));
    }
    // An unknown sibling, and one present as undefined, at every level.
    const at = p.length === 0 ? x : p.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], x);
    if (typeof at === 'object' && at !== null && !Array.isArray(at)) {
      for (const k of ['value', 'target', 'reason', 'id', 'sig', 'receipt', 'type']) {
        yield p.length === 0 ? { ...x, [k]: 'x' } : edit(x, [...p, k], (o, key) => (o[key] = 'x'));
        yield p.length === 0 ? { ...x, [k]: undefined } : edit(x, [...p, k], (o, key) => (o[key] = undefined));
      }
    }
  }
}

function agrees(input: unknown): 'fast' | 'zod' {
  const fast = fastAuditRecord(input);
  const zod = auditRecordSchema.safeParse(input);
  if (fast === undefined) return 'zod';
  expect(zod.success).toBe(true);
  expect(fast).toStrictEqual(zod.data);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
  return 'fast';
}

describe('the compiled record schema agrees with zod', () => {
  it('takes every good record that zod can be compiled for, and gives zod’s value in zod’s member order', () => {
    for (const r of goodRecords()) {
      expect(auditRecordSchema.safeParse(r).success).toBe(true);
      const how = agrees(r);
      // approvalKey.alg is a plain union, which the compiler leaves to zod.
      expect(how).toBe(r.approvalKey === undefined ? 'fast' : 'zod');
    }
  });

  it('accepts nothing zod refuses, and returns what zod returns, on every mutation of every member', () => {
    let n = 0;
    let fast = 0;
    let refused = 0;
    for (const r of goodRecords()) {
      for (const m of mutations(r)) {
        n++;
        if (agrees(m) === 'fast') fast++;
        if (!auditRecordSchema.safeParse(m).success) refused++;
      }
    }
    expect(n).toBeGreaterThan(10_000);
    expect(refused).toBeGreaterThan(n / 2);
    expect(fast).toBeGreaterThan(500);
  });

  it('parseAuditRecord refuses with zod’s own error', () => {
    const bad = { ...base(3), hash: H('a'), value: 'secret' };
    const ours = parseAuditRecord(bad);
    const zods = auditRecordSchema.safeParse(bad);
    expect(ours.success).toBe(false);
    expect(ours.error?.issues).toEqual(zods.error?.issues);
  });
});

describe('the compiled event schema (what AuditLog.append takes) agrees with zod', () => {
  it('on every v3 record shape as an event, and every mutation of it', () => {
    let fast = 0;
    for (const r of goodRecords().filter((x) => x.v === 3)) {
      const { v: _v, seq: _s, time: _t, device: _d, prevHash: _p, hash: _h, ...event } = r;
      for (const m of mutations(event)) {
        const ours = parseAuditEvent(m);
        const zod = auditEventInputSchema.safeParse(m);
        expect(ours.success).toBe(zod.success);
        if (ours.success) {
          expect(ours.data).toStrictEqual(zod.data);
          expect(JSON.stringify(ours.data)).toBe(JSON.stringify(zod.data));
        } else expect(ours.error.issues).toEqual(zod.error?.issues);
        if (ours.success) fast++;
      }
    }
    expect(fast).toBeGreaterThan(100);
  });
});

describe('the compiled seal schema agrees with zod', () => {
  it('on a good seal and every mutation of it', () => {
    const seal = { type: 'seal', v: 3, device: 'device-0', seq: 256, hash: H('a'), time: TIME, sig: SIG };
    let fast = 0;
    for (const m of mutations(seal)) {
      const ours = fastAuditSeal(m);
      if (ours === undefined) continue;
      fast++;
      const zod = auditSealSchema.safeParse(m);
      expect(zod.success).toBe(true);
      expect(ours).toStrictEqual(zod.data);
      expect(JSON.stringify(ours)).toBe(JSON.stringify(zod.data));
    }
    expect(fast).toBeGreaterThan(1);
  });
});

/** Text variants of one record line: repeated names (with values that look like names), spacing, escapes, number spellings. */
function* lineVariants(r: Record<string, unknown>): Generator<string> {
  const line = JSON.stringify(r);
  yield line;
  yield JSON.stringify(r, null, 1);
  yield line.replace('{', '{ ');
  yield line.replace('"seq":7', '"seq":7.0');
  yield line.replace('"seq":7', '"seq":7e0');
  yield line.replace('"seq":7', '"seq" :7');
  yield line.replace('"device":"device-0"', '"device":"device\\u002d0"');
  yield line.replace('"device":', '"d\\u0065vice":');
  yield line.replace('{', '{"outcome":"denied",');
  yield line.replace('{', '{"actor":{"type":"person"},');
  yield line.replace('{', '{"outcome" :":x",');
  yield line.replace('{', '{"v" :":",');
  yield line.replace('{', '{"v":{"a":1},');
  yield line.replace('"type":', '"type":"person","type":');
  yield line.replace('"type":', '"id" :":","type":');
  yield line.replace('"hash":', '"hash":"x", "hash":');
  yield line.slice(0, -1) + ',"seq":7}';
  yield line.slice(0, -1) + ',"seq" :":"}';
  yield line.slice(0, -1) + ',"__proto__":{}}';
  yield line + ' ';
  yield '[' + line + ']';
}

describe('the fast line path agrees with the strict parser and zod', () => {
  it('accepts a line only when strict JSON and the schema do, with the same record; never one with a repeated name', () => {
    let fast = 0;
    for (const r of goodRecords()) {
      for (const text of lineVariants(r)) {
        const ours = fastRecordLine(text);
        const strict = tryParseStrictJson(text);
        if (!strict.ok && strict.reason === 'duplicate_key') expect(ours).toBeUndefined();
        if (ours === undefined) continue;
        fast++;
        expect(strict.ok).toBe(true);
        const zod = auditRecordSchema.safeParse(strict.ok ? strict.value : undefined);
        expect(zod.success).toBe(true);
        expect(ours).toStrictEqual(zod.data as AuditRecord);
      }
    }
    expect(fast).toBeGreaterThan(goodRecords().length);
  });
});
