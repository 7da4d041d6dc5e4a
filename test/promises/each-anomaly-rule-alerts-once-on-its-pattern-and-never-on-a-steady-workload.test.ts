/**
 * Promise: the person hears about the unusual, and only the unusual. Through the real
 * gateway over a real engine, with a clock the test moves: a steady workload in the
 * usual hours raises no alert at all; then each rule — a new destination, method and
 * path shape for the credential, a burst above max(10, 5 × the trailing-hour median),
 * a use outside the learned hours, a canary — raises exactly one alert on its scripted
 * pattern: signed (`alert.raised`, target `rule`, never a value), sent to the UI, and
 * listed newest first. Policy can make a rule ask afresh even under a grant 'always'.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/shared/contracts/gateway';
import { apiCredentialDraft } from '../unit/core/helpers';
import { HOUR, MIN, T0, events, guardWorld, managed, type GuardWorld } from './guards-harness';

let w: GuardWorld | null = null;
afterEach(async () => {
  await w?.close();
  w = null;
});

function watchAlerts(x: GuardWorld): Alert[] {
  const seen: Alert[] = [];
  x.main.gateway.subscribe((event, payload) => {
    if (event === 'alert-raised') seen.push(payload as Alert);
  });
  return seen;
}

/** 3 uses a minute for 90 minutes from 10:00: the same origin, method and path. */
async function steadyWorkload(x: GuardWorld): Promise<void> {
  for (let m = 0; m < 90; m++) {
    for (let i = 0; i < 3; i++) {
      x.clock.t = T0 + m * MIN + i * 15_000;
      expect((await x.call()).isError).toBe(false);
    }
  }
}

const byRule = (alerts: readonly Alert[]) => alerts.reduce<Record<string, number>>((n, a) => ({ ...n, [a.rule]: (n[a.rule] ?? 0) + 1 }), {});

describe('anomaly alerts', () => {
  it('a steady workload in the usual hours raises none; each rule then fires once on its pattern', { timeout: 120_000 }, async () => {
    w = await guardWorld();
    const live = watchAlerts(w);
    await steadyWorkload(w);
    expect(live).toEqual([]);
    expect(events(w, 'alert.raised')).toEqual([]);
    expect((await w.main.gateway.uiHandlers['alerts.list']({}, {} as never)).alerts).toEqual([]);

    const at = T0 + 95 * MIN;
    w.clock.t = at;
    // New method (same origin and path shape), twice: one alert.
    expect((await w.call({ method: 'POST' })).isError).toBe(false);
    expect((await w.call({ method: 'POST' })).isError).toBe(false);
    // New path shape; another id of the same shape is not new.
    expect((await w.call({ path: '/v1/builds/123' })).isError).toBe(false);
    expect((await w.call({ path: '/v1/builds/456' })).isError).toBe(false);
    // New origin (the known path): only new_destination.
    expect((await w.call({ origin: w.other.origin })).isError).toBe(false);
    expect((await w.call({ origin: w.other.origin })).isError).toBe(false);
    expect(byRule(live)).toEqual({ new_method: 1, new_path: 1, new_destination: 1 });

    // Burst: the trailing hour's median is 3 a minute, so the threshold is max(10, 15) = 15; the 16th use in a minute trips it, once.
    w.clock.t = T0 + 100 * MIN;
    for (let i = 0; i < 15; i++) expect((await w.call()).isError).toBe(false);
    expect(byRule(live).burst).toBeUndefined();
    for (let i = 0; i < 5; i++) expect((await w.call()).isError).toBe(false);
    expect(byRule(live).burst).toBe(1);

    // Unusual hours: 270+ uses learned at 10:00–11:59; a use at 03:00 (next day) is outside them, once per clock hour.
    w.clock.t = T0 + 17 * HOUR;
    expect((await w.call()).isError).toBe(false);
    w.clock.t = T0 + 17 * HOUR + 10 * MIN;
    expect((await w.call()).isError).toBe(false);
    expect(byRule(live)).toEqual({ new_method: 1, new_path: 1, new_destination: 1, burst: 1, unusual_hours: 1 });

    // Each alert is signed with its rule and never a value: no path, no secret.
    const signed = events(w, 'alert.raised');
    expect(signed.map((e) => e.target?.rule)).toEqual(['new_method', 'new_path', 'new_destination', 'burst', 'unusual_hours']);
    for (const e of signed) {
      expect(e).toMatchObject({ actor: { type: 'agent', id: w.agentId }, outcome: 'success', target: { itemId: w.itemId, tool: 'http_request' } });
      expect(JSON.stringify(e)).not.toContain('/v1/builds');
    }
    expect(signed[2]!.target!.origin).toBe(w.other.origin);
    expect(signed[0]!.target!.method).toBe('POST');
    // No use was held up (no rule requires approval), and the UI lists the alerts newest first.
    expect(w.prompts).toEqual([]);
    const listed = (await w.main.gateway.uiHandlers['alerts.list']({}, {} as never)).alerts;
    expect(listed.map((a) => a.rule)).toEqual(['unusual_hours', 'burst', 'new_destination', 'new_path', 'new_method']);
    expect(listed.find((a) => a.rule === 'new_path')!.path).toBe('/v1/builds/*');
    await w.main.gateway.uiHandlers['alerts.dismiss']({ id: listed[0]!.id }, {} as never);
    expect((await w.main.gateway.uiHandlers['alerts.list']({}, {} as never)).alerts).toHaveLength(4);
  });

  it("policy makes a rule ask afresh under a grant 'always': refused until the person approves, alerted once, then learned", async () => {
    w = await guardWorld({ policy: managed({ anomalies: { requireApproval: ['new_destination', 'unusual_hours'], usualHours: { from: 9, to: 17 } } }) });
    const live = watchAlerts(w);
    expect((await w.call()).isError).toBe(false);
    expect(w.prompts).toHaveLength(0);

    const first = await w.call({ origin: w.other.origin });
    expect(first.isError).toBe(true);
    expect(first.text).toContain('approval_denied');
    expect(w.prompts[0]!.warning).toContain(`First use of this credential at ${w.other.origin}`);
    expect(events(w, 'credential.use')).toContainEqual(
      expect.objectContaining({ outcome: 'denied', reason: 'approval_denied', target: expect.objectContaining({ rule: 'new_destination' }) }),
    );
    // Asked again (it is still new), but alerted only once.
    w.answers.push('always');
    expect((await w.call({ origin: w.other.origin })).isError).toBe(false);
    expect(w.prompts).toHaveLength(2);
    expect(events(w, 'credential.use')).toContainEqual(
      expect.objectContaining({ outcome: 'success', reason: 'approved_once', target: expect.objectContaining({ rule: 'new_destination' }) }),
    );
    // Learned now; and "always" at that prompt did not change the grant or silence the rule for another value.
    expect((await w.call({ origin: w.other.origin })).isError).toBe(false);
    expect(w.prompts).toHaveLength(2);
    expect(byRule(live)).toEqual({ new_destination: 1 });

    // Policy's usual hours are 09:00–17:00: at 20:00 the use asks.
    w.clock.t = T0 + 10 * HOUR;
    expect((await w.call()).isError).toBe(true);
    expect(w.prompts[2]!.warning).toContain('outside the usual hours set by policy (09:00–17:00)');
    expect(byRule(live)).toEqual({ new_destination: 1, unusual_hours: 1 });
    // Within them again, nothing asks.
    w.clock.t = T0 + 24 * HOUR;
    expect((await w.call()).isError).toBe(false);
    expect(w.prompts).toHaveLength(3);
  });

  it('a canary trip raises a canary alert, and under policy the agent’s next use of any credential asks afresh', async () => {
    w = await guardWorld({ policy: managed({ canary: { cutOffAgent: false }, anomalies: { requireApproval: ['canary'] } }) });
    const live = watchAlerts(w);
    await w.h.engine.createItem(apiCredentialDraft('Bait', 'sk-live_Canary_000000000000000000', { allowedOrigins: [w.api.origin], canary: true }));
    expect((await w.call()).isError).toBe(false);
    const bait = await w.main.gateway.callTool(w.token, 'http_request', { credential: 'Bait', method: 'GET', url: `${w.api.origin}/v1/builds` });
    expect(bait.isError).toBe(true);
    await expect.poll(() => byRule(live).canary).toBe(1);
    expect(events(w, 'alert.raised')).toContainEqual(expect.objectContaining({ target: expect.objectContaining({ rule: 'canary' }) }));
    w.answers.push('once');
    expect((await w.call()).isError).toBe(false);
    expect(w.prompts).toHaveLength(1);
    expect(w.prompts[0]!.warning).toContain('tripped a canary credential');
    // Approved once: the mark is spent.
    expect((await w.call()).isError).toBe(false);
    expect(w.prompts).toHaveLength(1);
  });

  it('policy rejects an unknown rule, a repeated one, or usual hours of no width', async () => {
    const { policySchema } = await import('../../src/shared/policy');
    const base = { version: 1, org: { name: 'Acme' } };
    expect(policySchema.safeParse({ ...base, anomalies: { requireApproval: ['new_destination'], usualHours: { from: 22, to: 6 } } }).success).toBe(true);
    expect(policySchema.safeParse({ ...base, anomalies: { requireApproval: ['new_host'] } }).success).toBe(false);
    expect(policySchema.safeParse({ ...base, anomalies: { requireApproval: ['burst', 'burst'] } }).success).toBe(false);
    expect(policySchema.safeParse({ ...base, anomalies: { usualHours: { from: 8, to: 8 } } }).success).toBe(false);
    expect(policySchema.safeParse({ ...base, anomalies: { usualHours: { from: 8, to: 17, tz: 'UTC' } } }).success).toBe(false);
  });
});
