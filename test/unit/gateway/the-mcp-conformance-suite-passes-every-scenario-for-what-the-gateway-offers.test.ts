/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16, run by
 * the Node 22 pinned in tools/conformance) against the REAL gateway: the real engine
 * (Dexie on fake-indexeddb behind EngineMainContract on a MessageChannel) with an unlocked
 * vault holding a credential granted to a really paired agent, the real signed audit log.
 *
 * docs/gateway.md §17 lists every server scenario as "passes" or "not offered"; this test
 * fails when a scenario changes category either way (an offered one fails, a not-offered
 * one starts passing), when the suite runs a scenario the table does not list, and when
 * the install is missing (with the command that installs it — never a silent skip).
 */
import { randomBytes } from 'node:crypto';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineMainHandlers, forwardEngineEvents } from '../../../src/core';
import { personalPolicy } from '../../../src/core/policy';
import { createEngineCredentialSource, createGateway, createMemoryGatewayStore, type Gateway } from '../../../src/main/gateway';
import { EngineMainContract } from '../../../src/shared/contracts/engine';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc, serveRpc } from '../../../src/shared/rpc/rpc';
import { makeHarness, PASSWORD } from '../core/helpers';
import { documentedScenarios, locateSuite, runServerScenarios, startTokenRelay, type SuiteInstall, type SuiteRun } from './conformance-suite';
import { SignedAudit } from './harness';

const SECRET = 'conformance-secret-' + randomBytes(12).toString('hex');
const cleanups: Array<() => unknown> = [];
let suite: SuiteInstall;
let gatewayUrl = '';
let relayUrl = '';
let full: SuiteRun;

beforeAll(async () => {
  // First, so a missing install fails the file with its fix before anything else starts.
  suite = await locateSuite();

  const engineH = makeHarness();
  cleanups.push(() => engineH.store.close());
  await engineH.engine.createVault(PASSWORD);
  const item = await engineH.engine.createItem({
    overview: { kind: 'api_credential', title: 'GitHub API', urls: [], tags: [], description: 'repos', injection: { type: 'bearer' }, allowedOrigins: ['https://api.github.com'] },
    details: { kind: 'api_credential', secret: SECRET, customFields: [] },
  });
  const ch = new MessageChannel();
  const server = serveRpc(fromNodeMessagePort(ch.port1), EngineMainContract, engineMainHandlers(engineH.engine));
  const unforward = forwardEngineEvents(engineH.engine, { main: server });
  const client = connectRpc(fromNodeMessagePort(ch.port2), EngineMainContract);
  cleanups.unshift(
    unforward,
    () => client.close(),
    () => server.close(),
    () => ch.port1.close(),
    () => ch.port2.close(),
  );
  const gateway: Gateway = await createGateway({
    credentials: createEngineCredentialSource(client),
    audit: new SignedAudit(),
    store: createMemoryGatewayStore(),
    tokenKey: randomBytes(32),
    policy: () => personalPolicy(),
    options: { port: 0, socketPath: null, unlockWaitMs: 0 },
  });
  cleanups.unshift(() => gateway.close());
  gatewayUrl = (await gateway.start()).url!;
  const paired = await gateway.uiHandlers['agents.pair']({ name: 'Conformance suite', client: 'other' }, {} as never);
  await gateway.uiHandlers['grants.set']({ agentId: paired.agent.id, itemId: item.id, mode: 'always' }, {} as never);
  const relay = await startTokenRelay(gatewayUrl, paired.token);
  cleanups.unshift(() => relay.close());
  relayUrl = relay.url;

  const notOffered = documentedScenarios()
    .filter((d) => d.category === 'not offered')
    .map((d) => d.scenario);
  full = await runServerScenarios(suite, relayUrl, { expectedFailures: notOffered });
}, 600_000);

afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('the MCP conformance suite against the real gateway', () => {
  it('runs on the pinned Node 22 while the project runs on Node 20', () => {
    expect(suite.nodeVersion).toMatch(/^v22\./);
    expect(suite.suiteVersion).toBe('0.1.16');
    expect(process.version).toMatch(/^v20\./);
  });

  it('runs exactly the scenarios docs/gateway.md lists', () => {
    const ran = full.results.map((r) => r.scenario).sort();
    const documented = documentedScenarios()
      .map((d) => d.scenario)
      .sort();
    expect(ran.length, `the suite ran nothing; its output:\n${full.output}`).toBeGreaterThan(0);
    expect({ notInTheTable: ran.filter((s) => !documented.includes(s)), listedButNotRun: documented.filter((s) => !ran.includes(s)) }).toEqual({
      notInTheTable: [],
      listedButNotRun: [],
    });
  });

  it('passes every scenario for a feature the gateway offers, and none it lists as not offered', () => {
    const category = new Map(documentedScenarios().map((d) => [d.scenario, d.category]));
    const moved = full.results
      .filter((r) => (category.get(r.scenario) === 'passes') !== r.passed)
      .map((r) => ({
        scenario: r.scenario,
        documented: category.get(r.scenario),
        problems: r.checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING').map((c) => `${c.id}: ${c.status} ${c.errorMessage ?? ''}`.trim()),
      }));
    expect(moved, 'a scenario changed category: fix the gateway, or move its row in docs/gateway.md §17 and say why').toEqual([]);
    const passed = full.results.filter((r) => r.passed).length;
    console.info(`conformance ${suite.suiteVersion}: ${passed} passed, ${full.results.length - passed} not offered, 0 failed`);
  });

  it("agrees with the suite's own verdict (its expected-failures baseline made from the same table)", () => {
    expect(full.code, full.output).toBe(0);
    expect(full.output).toContain('Baseline check passed');
  });

  it('lists the granted credential as a resource and never shows its value', () => {
    const list = full.results.find((r) => r.scenario === 'resources-list');
    expect(list?.passed).toBe(true);
    expect(JSON.stringify(list?.checks)).toContain('latchkey://credential/GitHub%20API');
    expect(JSON.stringify(full.results) + full.output).not.toContain(SECRET);
  });

  it("gets nothing from the gateway without the agent's token (the relay is what adds it)", async () => {
    const direct = await runServerScenarios(suite, gatewayUrl, { scenario: 'ping' });
    expect(direct.results).toEqual([expect.objectContaining({ scenario: 'ping', passed: false })]);
    expect(JSON.stringify(direct.results[0]!.checks)).toContain('Missing or invalid Latchkey agent token');
  });
});
