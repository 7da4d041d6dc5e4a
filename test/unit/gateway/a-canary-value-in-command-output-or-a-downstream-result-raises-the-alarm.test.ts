/**
 * A canary's value coming back through run_command output or a downstream MCP server's
 * result — over the REAL gateway and REAL engine — is redacted like any vault secret,
 * writes a signed `canary_tripped` record naming the canary, raises the UI alert and
 * (policy default) cuts the agent off; with policy `canary.cutOffAgent: false` the
 * alarm is raised and the agent goes on.
 */
import 'fake-indexeddb/auto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personalPolicy } from '../../../src/core/policy';
import { DEFAULT_PERSONAL_SETTINGS, type EffectivePolicy } from '../../../src/shared/policy';
import { callTool, startGatewayOverEngine, type GatewayOverEngine } from '../../promises/gateway-over-engine';
import { apiCredentialDraft, makeHarness, PASSWORD, type Harness as EngineHarness } from '../core/helpers';
import { PLANTED_CANARY } from './fixtures/canary-secret';

const ROOT = path.resolve(__dirname, '../../..');
let engineH: EngineHarness;
let main: GatewayOverEngine;
let canaryId = '';
let policy: EffectivePolicy = personalPolicy({ ...DEFAULT_PERSONAL_SETTINGS, runCommandEnabled: true });
const alerts: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  engineH = makeHarness();
  await engineH.engine.createVault(PASSWORD);
  canaryId = (await engineH.engine.createItem(apiCredentialDraft('AWS root', PLANTED_CANARY, { allowedOrigins: ['https://aws.example'], canary: true }))).id;
  await engineH.engine.createItem(apiCredentialDraft('Deploy', 'deploy-Secret-0123456789abcdefXY', { allowedOrigins: ['https://deploy.example'] }));
  main = await startGatewayOverEngine(engineH.engine, {
    answer: () => 'once',
    policy: () => policy,
    options: {
      downstream: [
        {
          name: 'files',
          transport: { type: 'stdio', command: process.execPath, args: ['--import', 'tsx', path.join(ROOT, 'test/unit/gateway/fixtures/canary-server.ts')], cwd: ROOT },
          credentials: [],
        },
      ],
    },
  });
  main.gateway.subscribe((event, payload) => {
    if (event === 'canary-tripped') alerts.push(payload);
  });
});

afterAll(async () => {
  await main.close();
  engineH.store.close();
});

const trips = () => engineH.audit.filter((e) => e.reason === 'canary_tripped' && e.action === 'credential.use');

describe("a canary's value in a result", () => {
  it('in run_command output: redacted, signed, alerted, and the agent is cut off until restored', async () => {
    const agent = await main.connectAgent('cmd-bot');
    const r = await callTool(agent.client, 'run_command', {
      command: process.execPath,
      args: ['-e', `console.log("found ${PLANTED_CANARY} in ~/.aws")`],
      credentials: [{ credential: 'Deploy', env: 'DEPLOY' }],
    });
    expect(r.isError).toBe(false);
    expect(r.text).toContain('[REDACTED by Latchkey]');
    expect(r.text).not.toContain(PLANTED_CANARY);
    expect(trips().at(-1)).toMatchObject({ actor: { type: 'agent', id: agent.id }, target: { itemId: canaryId, tool: 'run_command' }, outcome: 'failure' });
    await expect.poll(() => alerts.length).toBe(1);
    expect(alerts[0]).toMatchObject({ agentId: agent.id, itemId: canaryId, credentialName: 'AWS root', how: 'result', tool: 'run_command', cutOff: true });
    expect((await callTool(agent.client, 'list_credentials', {})).isError).toBe(true);
    await main.gateway.uiHandlers['agents.restore']({ agentId: agent.id }, {} as never);
    expect((await callTool(agent.client, 'list_credentials', {})).isError).toBe(false);
  });

  it('in a downstream server result: redacted and signed; with cutOffAgent false the agent goes on', async () => {
    policy = {
      managed: true,
      orgName: 'Example Org',
      policy: { version: 1, org: { name: 'Example Org' }, canary: { cutOffAgent: false } },
      locks: {},
      personal: { ...DEFAULT_PERSONAL_SETTINGS, runCommandEnabled: true },
      keyId: null,
    };
    const agent = await main.connectAgent('files-bot');
    const r = await callTool(agent.client, 'files__read', {});
    expect(r.isError).toBe(false);
    expect(r.text).toBe('AWS_CONFIG:\nkey = [REDACTED by Latchkey]\n');
    expect(trips().at(-1)).toMatchObject({ actor: { type: 'agent', id: agent.id }, target: { itemId: canaryId, tool: 'downstream', server: 'files' } });
    await expect.poll(() => alerts.length).toBe(2);
    expect(alerts[1]).toMatchObject({ agentId: agent.id, how: 'result', tool: 'downstream:files', cutOff: false });
    expect((await callTool(agent.client, 'list_credentials', {})).isError).toBe(false);
    expect(JSON.stringify(engineH.audit)).not.toContain(PLANTED_CANARY);
  });
});
