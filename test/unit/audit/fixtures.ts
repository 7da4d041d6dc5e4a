/**
 * Shared builders for the audit tests: real signers, real logs, no mocks. Devices write
 * format v2 (one signature per record) through `createV2AuditLog`, what builds before
 * v3 wrote, so the v1/v2 rules stay covered; `makeV3Device` writes with the real log.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  GENESIS_PREV_HASH,
  MemoryAuditStore,
  auditRecordSchema,
  computeRecordHash,
  createAuditLog,
  createEd25519Signer,
  recordSignatureInput,
  type AuditEventInput,
  type AuditLog,
  type AuditRecord,
  type AuditSeal,
  type AuditStore,
} from '../../../src/core/audit';
import type { SignedAuditRecord } from '../../../src/core/audit/record';
import type { AuditSigner } from '../../../src/core/audit/signer';

export interface TestDevice {
  readonly id: string;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  readonly log: V2Log;
}

/** What a v2 writer returns: records with their own signature. */
export interface V2Log {
  append(event: AuditEventInput): Promise<SignedAuditRecord>;
}

/**
 * A format v2 writer (as builds before v3 wrote): each record hashed and signed on its
 * own, with the real record hash and signature input.
 */
export function createV2AuditLog(deps: { store: AuditStore; signer: AuditSigner; deviceId: string; clock?: { now(): number } }): V2Log {
  const clock = deps.clock ?? { now: () => Date.now() };
  return {
    async append(event: AuditEventInput): Promise<SignedAuditRecord> {
      const last = await deps.store.last();
      const unsigned: Record<string, unknown> = {
        v: 2,
        seq: last ? last.seq + 1 : 1,
        time: new Date(clock.now()).toISOString(),
        device: deps.deviceId,
        action: event.action,
        actor: event.actor,
        outcome: event.outcome,
        prevHash: last ? last.hash : GENESIS_PREV_HASH,
      };
      if (event.target && Object.keys(event.target).length > 0) unsigned.target = event.target;
      if (event.reason !== undefined) unsigned.reason = event.reason;
      const hash = computeRecordHash(unsigned as never);
      const sig = await deps.signer.sign(recordSignatureInput(hash));
      const record = auditRecordSchema.parse({ ...unsigned, hash: bytesToHex(hash), sig: bytesToHex(sig) });
      await deps.store.add(record);
      return record as SignedAuditRecord;
    },
  };
}

export interface TestV3Device {
  readonly id: string;
  readonly publicKey: Uint8Array;
  readonly log: AuditLog;
  readonly store: MemoryAuditStore;
}

/** A device writing format v3 with the real AuditLog; seals only when the test asks. */
export function makeV3Device(id: string, seed: number, store = new MemoryAuditStore()): TestV3Device {
  const signer = createEd25519Signer(seedKey(seed));
  // Far-off automatic seals: the tests place every seal themselves.
  const log = createAuditLog({ store, signer, deviceId: id, clock: testClock, sealEvery: { records: 1_000_000, ms: 3_600_000 } });
  return { id, publicKey: signer.publicKey, log, store };
}

/** `perDevice` events on each v3 device, interleaved, each device sealing every `sealEvery` records and at the end: an export's lines. */
export async function interleavedV3Log(devices: readonly TestV3Device[], perDevice: number, sealEvery = 4): Promise<(AuditRecord | AuditSeal)[]> {
  const out: (AuditRecord | AuditSeal)[] = [];
  for (let i = 0; i < perDevice; i++) {
    for (const d of devices) {
      out.push(await d.log.append(sampleEvent(i)));
      if ((i + 1) % sealEvery === 0 || i === perDevice - 1) out.push((await d.log.seal())!);
    }
  }
  return out;
}

/** Deterministic keys so failures reproduce: seed byte `n` repeated. */
export function seedKey(n: number): Uint8Array {
  return new Uint8Array(32).fill(n);
}

let clockMs = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
export const testClock = { now: () => (clockMs += 1000) };

export function makeDevice(id: string, seed: number): TestDevice {
  const secretKey = seedKey(seed);
  const signer = createEd25519Signer(secretKey);
  return { id, publicKey: signer.publicKey, secretKey, log: createV2AuditLog({ store: new MemoryAuditStore(), signer, deviceId: id, clock: testClock }) };
}

export const ITEM_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function sampleEvent(i: number): AuditEventInput {
  const events: AuditEventInput[] = [
    { action: 'vault.unlock', actor: { type: 'person' }, outcome: 'success', reason: 'password' },
    { action: 'item.reveal', actor: { type: 'person' }, target: { itemId: ITEM_ID, field: 'password' }, outcome: 'success' },
    { action: 'credential.use', actor: { type: 'agent', id: 'claude-desktop' }, target: { itemId: ITEM_ID, origin: 'https://api.example.com' }, outcome: 'success' },
    {
      action: 'credential.use',
      actor: { type: 'agent', id: 'cursor' },
      target: { itemId: ITEM_ID, origin: 'https://evil.example' },
      outcome: 'denied',
      reason: 'destination_refused',
    },
    { action: 'vault.lock', actor: { type: 'system' }, outcome: 'success', reason: 'idle' },
  ];
  return events[i % events.length]!;
}

/** Appends `perDevice` events on each device, interleaved a, b, a, b… as a server would receive them. */
export async function interleavedLog(devices: readonly TestDevice[], perDevice: number): Promise<SignedAuditRecord[]> {
  const out: SignedAuditRecord[] = [];
  for (let i = 0; i < perDevice; i++) for (const d of devices) out.push(await d.log.append(sampleEvent(i)));
  return out;
}

export function keysOf(devices: readonly { id: string; publicKey: Uint8Array }[]): (id: string) => Uint8Array | undefined {
  const m = new Map(devices.map((d) => [d.id, d.publicKey] as const));
  return (id) => m.get(id);
}
