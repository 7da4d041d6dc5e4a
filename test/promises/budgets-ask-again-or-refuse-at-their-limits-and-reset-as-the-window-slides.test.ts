/**
 * Promise: a standing grant is not a blank cheque. Through the real gateway over a real
 * engine (its audit events as the signed log parses them), with a clock the test moves:
 * a grant's budget of uses per hour, uses per day, response bytes and methods is
 * honoured exactly at its limit; the use beyond it asks the person again (or is
 * refused, when policy says so) and says which budget it hit, in the prompt, in the
 * agent's error and in the audit record; the windows slide back; policy's floor makes
 * a budget stricter, never looser; and budgets and their counters survive a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { policySchema } from '../../src/shared/policy';
import { HOUR, MIN, T0, events, guardWorld, managed, type GuardWorld } from './guards-harness';

let w: GuardWorld | null = null;
afterEach(async () => {
  await w?.close();
  w = null;
});

const setBudget = (x: GuardWorld, budget: Record<string, unknown> | null) =>
  x.main.gateway.uiHandlers['budgets.set']({ agentId: x.agentId, itemId: x.itemId, budget }, {} as never);

describe('budgets per grant', () => {
  it('uses per hour: the use past the limit asks again naming the budget, the answer counts once, and the sliding hour gives uses back', async () => {
    w = await guardWorld();
    await setBudget(w, { usesPerHour: 3 });
    for (let i = 0; i < 3; i++) expect((await w.call()).isError).toBe(false);
    expect(w.prompts).toHaveLength(0);

    w.answers.push('always');
    w.clock.t = T0 + 10 * MIN;
    expect((await w.call()).isError).toBe(false);
    expect(w.prompts).toHaveLength(1);
    expect(w.prompts[0]!.warning).toContain('at most 3 uses an hour');
    // "Allow always" at a budget prompt does not lift the budget: the next use asks again, and a no is a refusal naming it.
    const denied = await w.call();
    expect(denied.isError).toBe(true);
    expect(denied.text).toContain('approval_denied');
    expect(w.prompts).toHaveLength(2);
    expect(w.api.requests).toHaveLength(4);

    const uses = events(w, 'credential.use');
    expect(uses.filter((e) => e.outcome === 'success' && e.target?.budget === undefined)).toHaveLength(3);
    expect(uses).toContainEqual(
      expect.objectContaining({ outcome: 'success', reason: 'approved_once', target: expect.objectContaining({ budget: 'uses_per_hour', method: 'GET' }) }),
    );
    expect(uses).toContainEqual(expect.objectContaining({ outcome: 'denied', reason: 'approval_denied', target: expect.objectContaining({ budget: 'uses_per_hour' }) }));

    // 59 minutes after the first three: still in the window; at 60 they leave it (minute buckets), the use at 10 min stays.
    w.clock.t = T0 + 59 * MIN + 59_000;
    expect((await w.call()).isError).toBe(true);
    w.clock.t = T0 + 60 * MIN;
    const before = w.prompts.length;
    expect((await w.call()).isError).toBe(false);
    expect((await w.call()).isError).toBe(false);
    expect(w.prompts.length).toBe(before);
    expect((await w.call()).isError).toBe(true);
  });

  it('uses per day and bytes per hour, refused by policy: budget_exceeded names the budget in the error and the record, and the windows reset', async () => {
    w = await guardWorld({ body: 'x'.repeat(100), policy: managed({ budgets: { onExceeded: 'refuse' } }) });
    await setBudget(w, { usesPerDay: 2 });
    expect((await w.call()).isError).toBe(false);
    w.clock.t = T0 + 5 * HOUR;
    expect((await w.call()).isError).toBe(false);
    w.clock.t = T0 + 23 * HOUR;
    const refused = await w.call();
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('budget_exceeded');
    expect(refused.text).toContain('at most 2 uses a day');
    expect(w.prompts).toHaveLength(0);
    expect(events(w, 'credential.use')).toContainEqual(
      expect.objectContaining({ outcome: 'denied', reason: 'budget_exceeded', target: expect.objectContaining({ budget: 'uses_per_day', tool: 'http_request' }) }),
    );
    // 24 h after the first use, it has left the day window.
    w.clock.t = T0 + 24 * HOUR;
    expect((await w.call()).isError).toBe(false);

    // Bytes: 100 per response, limit 250 an hour — the third response crosses it and is returned; the fourth use is beyond.
    await setBudget(w, { bytesPerHour: 250 });
    w.clock.t = T0 + 30 * HOUR;
    for (let i = 0; i < 3; i++) expect((await w.call()).isError).toBe(false);
    const overBytes = await w.call();
    expect(overBytes.text).toContain('budget_exceeded');
    expect(overBytes.text).toContain('at most 250 bytes of responses an hour (300 returned');
    expect(events(w, 'credential.use')).toContainEqual(expect.objectContaining({ reason: 'budget_exceeded', target: expect.objectContaining({ budget: 'bytes_per_hour' }) }));
    w.clock.t = T0 + 31 * HOUR;
    expect((await w.call()).isError).toBe(false);
  });

  it('methods: a method outside the budget asks again, one inside does not', async () => {
    w = await guardWorld();
    await setBudget(w, { methods: ['GET'] });
    expect((await w.call({ method: 'GET' })).isError).toBe(false);
    const post = await w.call({ method: 'POST' });
    expect(post.isError).toBe(true);
    expect(w.prompts).toHaveLength(1);
    expect(w.prompts[0]!.warning).toContain('only GET, and this is a POST');
    expect(events(w, 'credential.use')).toContainEqual(
      expect.objectContaining({ reason: 'approval_denied', target: expect.objectContaining({ budget: 'methods', method: 'POST' }) }),
    );
  });

  it("policy's floor makes a looser budget stricter and never a stricter one looser", async () => {
    w = await guardWorld({ policy: managed({ budgets: { usesPerHour: 2, methods: ['GET', 'POST'], onExceeded: 'refuse' } }) });
    await setBudget(w, { usesPerHour: 10, methods: ['GET', 'DELETE'] });
    const shown = await w.main.gateway.uiHandlers['budgets.get']({ agentId: w.agentId }, {} as never);
    expect(shown.floor).toEqual({ usesPerHour: 2, methods: ['GET', 'POST'] });
    expect(shown.budgets[0]).toMatchObject({ budget: { usesPerHour: 10, methods: ['GET', 'DELETE'] }, effective: { usesPerHour: 2, methods: ['GET'] } });
    // DELETE is in the person's budget but not policy's; POST in policy's but not the person's: both are beyond.
    expect((await w.call({ method: 'DELETE' })).text).toContain('budget_exceeded');
    expect((await w.call({ method: 'POST' })).text).toContain('budget_exceeded');
    expect((await w.call()).isError).toBe(false);
    expect((await w.call()).isError).toBe(false);
    const third = await w.call();
    expect(third.text).toContain('budget_exceeded');
    expect(third.text).toContain('your organisation’s policy');
    // A stricter personal budget stays stricter.
    await setBudget(w, { usesPerHour: 1 });
    w.clock.t = T0 + 2 * HOUR;
    expect((await w.call()).isError).toBe(false);
    expect((await w.call()).text).toContain('at most 1 use an hour');
    // Policy's budgets are strict: an unknown member or an impossible figure is refused at load.
    const base = { version: 1, org: { name: 'Acme' } };
    expect(policySchema.safeParse({ ...base, budgets: { usesPerHour: 2, perMinute: 1 } }).success).toBe(false);
    expect(policySchema.safeParse({ ...base, budgets: { usesPerHour: -1 } }).success).toBe(false);
    expect(policySchema.safeParse({ ...base, budgets: { methods: ['get'] } }).success).toBe(false);
    expect(policySchema.safeParse({ ...base, budgets: { onExceeded: 'ignore' } }).success).toBe(false);
  });

  it('a budget and what was used of it survive a restart of the gateway', async () => {
    w = await guardWorld({ policy: managed({ budgets: { onExceeded: 'refuse' } }) });
    await setBudget(w, { usesPerHour: 2 });
    expect((await w.call()).isError).toBe(false);
    expect((await w.call()).isError).toBe(false);
    await w.restart();
    const shown = await w.main.gateway.uiHandlers['budgets.get']({ agentId: w.agentId }, {} as never);
    expect(shown.budgets[0]).toMatchObject({ budget: { usesPerHour: 2 }, usage: { usesHour: 2, usesDay: 2 } });
    expect((await w.call()).text).toContain('budget_exceeded');
    w.clock.t = T0 + HOUR;
    expect((await w.call()).isError).toBe(false);
    // A budget the RPC cannot parse is refused and nothing changes.
    await expect(setBudget(w, { usesPerHour: 1.5 })).rejects.toBeDefined();
    expect((await w.main.gateway.uiHandlers['budgets.get']({ agentId: w.agentId }, {} as never)).budgets[0]!.budget).toEqual({ usesPerHour: 2 });
  });
});
