/**
 * A downstream server's tool listing is a response going to the agent like any result:
 * through the REAL gateway over a REAL engine, a canary's value in a tool description is
 * redacted and trips the alarm (signed `canary_tripped` naming the server), and a
 * listing holding what policy blocks (dlp.cards: block) leaves that server out of
 * tools/list, signed as `dlp_blocked` with the rule and never the match.
 */
import 'fake-indexeddb/auto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PERSONAL_SETTINGS, type EffectivePolicy } from '../../../src/shared/policy';
import { startGatewayOverEngine, type GatewayOverEngine } from '../../promises/gateway-over-engine';
import { apiCredentialDraft, makeHarness, PASSWORD, type Harness as EngineHarness } from '../core/helpers';
import { PLANTED_CANARY } from './fixtures/canary-secret';

const ROOT = path.resolve(__dirname, '../../..');
const policy: EffectivePolicy = {
  managed: true,
  orgName: 'Example Org',
  policy: { version: 1, org: { name: 'Example Org' }, canary: { cutOffAgent: false }, dlp: { cards: 'block' } },
  locks: {},
  personal: { ...DEFAULT_PERSONAL_SETTINGS },
  keyId: null,
};
let engineH: EngineHarness;
let main: GatewayOverEngine;
let canaryId = '';
let paired: Awaited<ReturnType<GatewayOverEngine['connectAgent']>>;
const alerts: Array<Record<string, unknown>> = [];

const leakyServer = (name: string, mode: string) => ({
  name,
  transport: {
    type: 'stdio' as const,
    command: process.execPath,
    args: ['--import', 'tsx', path.join(ROOT, 'test/unit/gateway/fixtures/listing-leak-server.ts'), mode],
    cwd: ROOT,
  },
  credentials: [],
});

beforeAll(async () => {
  engineH = makeHarness();
  await engineH.engine.createVault(PASSWORD);
  canaryId = (await engineH.engine.createItem(apiCredentialDraft('AWS root', PLANTED_CANARY, { allowedOrigins: ['https://aws.example'], canary: true }))).id;
  main = await startGatewayOverEngine(engineH.engine, {
    answer: () => 'once',
    policy: () => policy,
    options: { downstream: [leakyServer('notes', 'canary'), leakyServer('billing', 'card')] },
  });
  main.gateway.subscribe((event, payload) => {
    if (event === 'canary-tripped') alerts.push(payload);
  });
  paired = await main.connectAgent('lister');
  for (const server of ['notes', 'billing']) await main.gateway.uiHandlers['serverGrants.set']({ agentId: paired.id, server, mode: 'always' }, {} as never);
});

afterAll(async () => {
  await main.close();
  engineH.store.close();
});

describe('a downstream tool listing', () => {
  it('has a canary value redacted (alarm raised) and a DLP-blocked server left out', async () => {
    const { tools } = await paired.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain('notes__lookup');
    expect(names).not.toContain('billing__lookup');
    const notes = tools.find((t) => t.name === 'notes__lookup')!;
    expect(notes.description).toContain('[REDACTED by Latchkey]');
    expect(JSON.stringify(tools)).not.toContain(PLANTED_CANARY);
    expect(JSON.stringify(tools)).not.toContain('4111');

    const trip = engineH.audit.find((e) => e.reason === 'canary_tripped');
    expect(trip).toMatchObject({ actor: { type: 'agent', id: paired.id }, target: { itemId: canaryId, tool: 'downstream', server: 'notes' }, outcome: 'failure' });
    await expect.poll(() => alerts.length).toBeGreaterThan(0);
    expect(alerts[0]).toMatchObject({ itemId: canaryId, how: 'result', tool: 'downstream:notes', cutOff: false });

    const blocked = engineH.audit.find((e) => e.reason === 'dlp_blocked');
    expect(blocked).toMatchObject({ target: { server: 'billing', dlpRule: 'card.luhn' } });
    const log = JSON.stringify(engineH.audit);
    expect(log).not.toContain(PLANTED_CANARY);
    expect(log).not.toContain('4111 1111');
  });
});
