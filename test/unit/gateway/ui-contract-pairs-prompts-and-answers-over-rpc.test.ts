/**
 * The UI's side of the gateway, through the real RPC layer (worker_threads
 * MessageChannel): pair an agent (token once + snippets), see the approval prompt as an
 * event, answer it over RPC, and find the use on the Activity list — with no secret
 * crossing the contract at any point.
 */
import { MessageChannel } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { serveGatewayUi } from '../../../src/main/gateway';
import { GatewayUiContract, type PendingApproval } from '../../../src/shared/contracts/gateway';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc } from '../../../src/shared/rpc/rpc';
import { call, itemId, startHarness, startServer } from './harness';

const SECRET = 'ui-contract-secret-0123456789';

describe('GatewayUiContract over RPC', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('pairs, prompts, takes the answer and lists the activity', async () => {
    const api = await startServer((_req, res) => res.end('fine'));
    cleanup.push(() => api.close());
    const id = itemId();
    const h = await startHarness([{ id, name: 'API', description: 'd', injection: { type: 'bearer' }, allowedOrigins: [api.origin], secret: SECRET }]);
    cleanup.push(() => h.close());
    h.answer = () => null; // the UI below answers, not the harness
    const ch = new MessageChannel();
    const served = serveGatewayUi(h.gateway, fromNodeMessagePort(ch.port1));
    const ui = connectRpc(fromNodeMessagePort(ch.port2), GatewayUiContract, { timeoutMs: 5000 });
    cleanup.push(() => {
      ui.close();
      served.close();
      ch.port1.close();
      ch.port2.close();
    });
    const wire: unknown[] = [];

    const paired = await ui.call('agents.pair', { name: 'VS Code', client: 'vscode' });
    expect(paired.token).toMatch(/^lkat_/);
    expect(JSON.parse(paired.snippets.vscode)).toEqual({ servers: { latchkey: { type: 'http', url: h.url, headers: { Authorization: `Bearer ${paired.token}` } } } });
    expect(JSON.parse(paired.snippets.claudeDesktop).mcpServers.latchkey).toMatchObject({
      command: process.execPath,
      args: [expect.stringMatching(/[/\\]bin[/\\]latchkey\.mjs$/), 'mcp'],
      env: { LATCHKEY_AGENT_TOKEN: paired.token },
    });
    expect(paired.snippets.claudeCode).toContain(`--header 'Authorization: Bearer ${paired.token}'`);
    const listed = await ui.call('agents.list', {});
    wire.push(listed);
    expect(JSON.stringify(listed)).not.toContain(paired.token);

    ui.on('approval-requested', (p: PendingApproval) => {
      wire.push(p);
      void ui.call('approvals.answer', { approvalId: p.id, answer: 'session' });
    });
    const activity: unknown[] = [];
    ui.on('activity', (e) => activity.push(e));

    const client = await h.connect(paired.token);
    const r = await call(client, 'http_request', { credential: 'API', url: `${api.origin}/` });
    expect(r.isError).toBe(false);

    const grants = await ui.call('grants.get', { agentId: paired.agent.id });
    expect(grants.grants).toEqual([{ agentId: paired.agent.id, itemId: id, mode: 'ask', sessionApproved: true }]);
    const entries = await ui.call('activity.list', { agentId: paired.agent.id });
    expect(entries.entries[0]).toMatchObject({ tool: 'http_request', outcome: 'success', destination: api.origin, reason: 'approved_session', credentialName: 'API' });
    wire.push(grants, entries, activity);
    expect(JSON.stringify(wire)).not.toContain(SECRET);

    await expect(ui.call('approvals.answer', { approvalId: 'AAAAAAAAAAAAAAAA', answer: 'once' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
