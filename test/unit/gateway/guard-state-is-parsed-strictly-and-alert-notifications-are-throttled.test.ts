/**
 * The guards' part of the gateway state file (version 3) is parsed strictly — a damaged
 * counter or a stray path stops the gateway as `integrity` rather than quietly
 * resetting a budget — and alert notifications are at most one per agent and rule a
 * minute while every alert is still signed and listed.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { personalPolicy } from '../../../src/core/policy';
import { auditEventSchema, type AuditEvent } from '../../../src/shared/contracts/audit-event';
import { ActivityLog } from '../../../src/main/gateway/activity';
import { createGuardWiring } from '../../../src/main/gateway/guard-wiring';
import { Registry } from '../../../src/main/gateway/registry';
import { createMemoryGatewayStore } from '../../../src/main/gateway/store';
import { itemId } from './harness';

const agentId = randomBytes(12).toString('base64url');
const item = itemId();
const agent = { id: agentId, name: 'Cursor', client: 'cursor', createdAt: 1, tokenIssuedAt: 1, lastUsedAt: null, revoked: false, stoppedAt: null, tokenHash: 'a'.repeat(64) };
const hours = Array.from({ length: 24 }, () => 0);
const v3 = (guards: unknown) => ({ format: 'latchkey-gateway-state', version: 3, agents: [agent], grants: [], serverGrants: [], guards });

describe('guard state and alert notifications', () => {
  it('a well-formed guards section opens; a damaged one is refused as integrity', async () => {
    const good = { budgets: [{ agentId, itemId: item, budget: { usesPerHour: 5 } }], usage: [{ agentId, itemId: item, minutes: [[100, 1, 20]] }], seen: [], hours };
    await expect(Registry.open(createMemoryGatewayStore(v3(good)), randomBytes(32), () => 5)).resolves.toBeDefined();
    for (const bad of [
      { ...good, usage: [{ agentId, itemId: item, minutes: [[100, -1, 20]] }] },
      { ...good, budgets: [{ agentId, itemId: item, budget: { usesPerHour: 5, perMinute: 1 } }] },
      { ...good, seen: [{ itemId: item, origins: ['https://a.example/path'], methods: [], paths: [] }] },
      { ...good, seen: [{ itemId: item, origins: [], methods: [], paths: ['/v1/builds'] }] },
      { ...good, hours: hours.slice(1) },
      { ...good, usage: [{ agentId, itemId: item, minutes: Array.from({ length: 1441 }, (_, i) => [i, 1, 0]) }] },
      undefined,
    ]) {
      await expect(Registry.open(createMemoryGatewayStore(v3(bad)), randomBytes(32), () => 5)).rejects.toMatchObject({ code: 'integrity' });
    }
  });

  it('a run of alerts is all signed and listed, but notified once per agent and rule a minute', async () => {
    const clock = { t: 1_000_000 };
    const registry = await Registry.open(createMemoryGatewayStore(v3({ budgets: [], usage: [], seen: [], hours })), randomBytes(32), () => clock.t);
    const signed: AuditEvent[] = [];
    // The real event schema at the seam, as the engine's log parses it.
    const activity = new ActivityLog(
      { append: (e) => void signed.push(auditEventSchema.parse(e)) },
      () => undefined,
      () => clock.t,
    );
    const notes: string[] = [];
    const wiring = createGuardWiring({ registry, activity, policy: () => personalPolicy(), now: () => clock.t, emit: () => undefined, notify: (n) => void notes.push(n.title) });
    const release = {
      label: 'run_command',
      itemId: item,
      credentialName: 'GitHub',
      destination: 'x',
      basis: 'always',
      audit: { tool: 'run_command', origin: 'https://api.example.com', method: 'POST' },
    } as const;
    const a = { id: agentId, name: 'Cursor' };
    for (let i = 0; i < 5; i++) await wiring.placeholderRefused(a, release);
    expect(notes).toHaveLength(1);
    expect(signed.filter((e) => e.action === 'alert.raised' && e.target?.rule === 'placeholder_refused')).toHaveLength(5);
    const handlers = wiring.handlers(() => Promise.resolve([]));
    expect((await handlers['alerts.list']({}, {} as never)).alerts).toHaveLength(5);
    clock.t += 60_000;
    await wiring.placeholderRefused(a, release);
    expect(notes).toHaveLength(2);
  });
});
