/** Shared builders for the audit tests: real signers, real logs, no mocks. */
import { MemoryAuditStore, createAuditLog, createEd25519Signer, type AuditEventInput, type AuditLog, type AuditRecord } from '../../../src/core/audit';

export interface TestDevice {
  readonly id: string;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  readonly log: AuditLog;
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
  return { id, publicKey: signer.publicKey, secretKey, log: createAuditLog({ store: new MemoryAuditStore(), signer, deviceId: id, clock: testClock }) };
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
export async function interleavedLog(devices: readonly TestDevice[], perDevice: number): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (let i = 0; i < perDevice; i++) for (const d of devices) out.push(await d.log.append(sampleEvent(i)));
  return out;
}

export function keysOf(devices: readonly TestDevice[]): (id: string) => Uint8Array | undefined {
  const m = new Map(devices.map((d) => [d.id, d.publicKey] as const));
  return (id) => m.get(id);
}
