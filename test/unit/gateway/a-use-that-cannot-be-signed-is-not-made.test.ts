/**
 * No record, no use: the gateway signs each credential use into the real audit log
 * BEFORE the secret leaves. When the store refuses the write, the credential is not
 * sent (the test API sees no request) and the agent gets audit_unavailable; every
 * record that does get written fits the real schema, with the tool in its own field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecordSchema } from '../../../src/core/audit';
import { call, errorCode, itemId, startHarness, startServer, type Harness, type TestServer } from './harness';

const SECRET = 'sk-test_NoRecordNoUse_0123456789';
let api: TestServer;
let h: Harness;
let token: string;
const id = itemId();

beforeAll(async () => {
  api = await startServer((_req, res) => res.end('ok'));
  h = await startHarness([{ id, name: 'API', description: 'test API', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: SECRET }]);
  token = (await h.pair()).token;
});

afterAll(async () => {
  await h?.close();
  await api?.close();
});

describe('a use that cannot be signed is not made', () => {
  it('an allowed use is signed with tool, item and origin as their own fields', async () => {
    const client = await h.connect(token);
    const r = await call(client, 'http_request', { credential: 'API', method: 'GET', url: `${api.origin}/x` });
    expect(r.isError).toBe(false);
    const use = h.audit.records.at(-1)!;
    expect(auditRecordSchema.parse(use)).toMatchObject({
      v: 3,
      action: 'credential.use',
      outcome: 'success',
      reason: 'approved_once',
      target: { tool: 'http_request', itemId: id, origin: api.origin },
    });
  });

  it('when the store refuses the record, the secret is not sent and the agent is told why', async () => {
    const client = await h.connect(token);
    const before = api.requests.length;
    const signed = h.audit.records.length;
    h.audit.failing = true;
    try {
      const r = await call(client, 'http_request', { credential: 'API', method: 'GET', url: `${api.origin}/x` });
      expect(r.isError).toBe(true);
      expect(errorCode(r.text)).toBe('audit_unavailable');
      expect(r.text).toContain('signed audit log');
      expect(r.text.includes(SECRET)).toBe(false);
    } finally {
      h.audit.failing = false;
    }
    expect(api.requests.length).toBe(before);
    expect(h.audit.records.length).toBe(signed);
    // The live activity view shows no use that the signed log does not hold.
    const entries = h.gateway.uiHandlers['activity.list']({}, {} as never) as { entries: unknown[] };
    expect(entries.entries.length).toBe(signed);
  });
});
