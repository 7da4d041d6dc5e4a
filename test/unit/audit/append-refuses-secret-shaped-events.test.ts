/**
 * The guard rail: an audit record has no place for a secret. Events with a value
 * field, an origin carrying a path, query or userinfo, or prose in `reason` are
 * refused, and the refusal names the field without echoing what was in it.
 */
import { describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../../../src/shared/errors';
import type { AuditEventInput } from '../../../src/core/audit';
import { ITEM_ID, makeV3Device } from './fixtures';

const SECRET = 'sk_live_51H8xQ2eZvKYlo2C0123456789';

async function refusal(event: unknown): Promise<{ code: string; message: string; field: unknown }> {
  const d = makeV3Device('device-g', 3);
  try {
    await d.log.append(event as AuditEventInput);
  } catch (e) {
    if (isLatchkeyError(e)) return { code: e.code, message: e.message, field: e.details?.field };
    throw e;
  }
  throw new Error('append accepted the event');
}

describe('AuditLog.append refuses secret-shaped events', () => {
  const base = { action: 'credential.use', actor: { type: 'agent', id: 'cursor' }, outcome: 'success' } as const;
  const cases: [string, unknown, string][] = [
    ['a value field on the event', { ...base, value: SECRET }, 'value'],
    ['a value field in the target', { ...base, target: { itemId: ITEM_ID, value: SECRET } }, 'target.value'],
    ['an origin with a query string', { ...base, target: { origin: `https://api.example.com/?key=${SECRET}` } }, 'target.origin'],
    ['an origin with a path', { ...base, target: { origin: `https://api.example.com/v1/${SECRET}` } }, 'target.origin'],
    ['an origin with userinfo', { ...base, target: { origin: `https://user:${SECRET}@api.example.com` } }, 'target.origin'],
    ['a reason that is prose', { ...base, reason: `token ${SECRET} was rejected` }, 'reason'],
    ['an over-long reason', { ...base, reason: 'x'.repeat(65) }, 'reason'],
    ['an item id that is not an id', { ...base, target: { itemId: SECRET } }, 'target.itemId'],
    ['an actor id with spaces', { ...base, actor: { type: 'agent', id: `agent ${SECRET}` } }, 'actor.id'],
    ['an unknown action', { ...base, action: 'dump_vault' }, 'action'],
  ];
  it.each(cases)('refuses %s, naming the field but not the value', async (_what, event, field) => {
    const r = await refusal(event);
    expect(r.code).toBe('invalid_input');
    expect(r.field).toBe(field);
    expect(r.message).not.toContain(SECRET);
    expect(r.message).not.toContain('sk_live');
  });

  it('accepts ids, bare origins (with port, IPv6) and field names', async () => {
    const d = makeV3Device('device-h', 4);
    for (const origin of ['https://api.example.com', 'http://127.0.0.1:8080', 'https://[::1]:8443']) {
      const r = await d.log.append({ ...base, target: { itemId: ITEM_ID, origin, field: 'api_key' } });
      expect(r.target?.origin).toBe(origin);
    }
  });

  it('a refused append leaves the chain intact for the next one', async () => {
    const d = makeV3Device('device-i', 5);
    await d.log.append(base);
    await expect(d.log.append({ ...base, reason: 'has space' } as never)).rejects.toThrow();
    const next = await d.log.append(base);
    expect(next.seq).toBe(2);
  });
});
