/**
 * Main's side of a promise test, wired as the app wires it: the real gateway
 * (createGateway) reaching a real engine only over EngineMainContract (RPC over a
 * MessageChannel), and an agent paired and connected over the gateway's real HTTP
 * endpoint. `answer` plays the person at each approval prompt (null leaves it
 * unanswered, so it times out).
 */
import { randomBytes } from 'node:crypto';
import { MessageChannel } from 'node:worker_threads';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { engineMainHandlers, forwardEngineEvents, type Engine } from '../../src/core';
import { personalPolicy } from '../../src/core/policy';
import type { EffectivePolicy } from '../../src/shared/policy';
import {
  createEngineAuditSink,
  createEngineCredentialSource,
  createGateway,
  createMemoryGatewayStore,
  type Gateway,
  type GatewayOptions,
  type GatewayStore,
} from '../../src/main/gateway';
import type { ApprovalAuthenticator } from '../../src/main/gateway/approval-touch';
import type { AuditSink } from '../../src/main/gateway/ports';
import { EngineMainContract } from '../../src/shared/contracts/engine';
import type { ApprovalAnswer, PendingApproval } from '../../src/shared/contracts/gateway';
import { fromNodeMessagePort } from '../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc, serveRpc } from '../../src/shared/rpc/rpc';

export interface GatewayOverEngine {
  readonly gateway: Gateway;
  /** Pairs an agent and connects it to the gateway's HTTP endpoint with its token. */
  connectAgent(name: string): Promise<{ id: string; client: Client; token: string }>;
  /** Connects an agent paired before (e.g. by an earlier gateway on the same store and token key). */
  connectWithToken(token: string): Promise<Client>;
  /** Closes the agents, the gateway and the RPC link (not the engine). */
  close(): Promise<void>;
}

export async function startGatewayOverEngine(
  core: Engine,
  opts: {
    options?: Partial<GatewayOptions>;
    answer?: (p: PendingApproval) => ApprovalAnswer | null;
    policy?: () => EffectivePolicy;
    /** The registry's store and token key; pass both to reopen what an earlier gateway saved. */
    store?: GatewayStore;
    tokenKey?: Uint8Array;
    /** The person's security key for touches to approve (the software key behind the real FIDO service). */
    securityKey?: ApprovalAuthenticator;
    /** Stands between the gateway and the engine's audit log (a test playing a compromised main). */
    auditVia?: (sink: AuditSink) => AuditSink;
    /** The gateway's clock (budgets, anomaly rules, rate limits); default Date.now. */
    now?: () => number;
  } = {},
): Promise<GatewayOverEngine> {
  const ch = new MessageChannel();
  const rpcServer = serveRpc(fromNodeMessagePort(ch.port1), EngineMainContract, engineMainHandlers(core));
  const unforward = forwardEngineEvents(core, { main: rpcServer });
  const engine = connectRpc(fromNodeMessagePort(ch.port2), EngineMainContract);
  const gateway = await createGateway({
    credentials: createEngineCredentialSource(engine),
    audit: opts.auditVia ? opts.auditVia(createEngineAuditSink(engine)) : createEngineAuditSink(engine),
    store: opts.store ?? createMemoryGatewayStore(),
    tokenKey: opts.tokenKey ?? randomBytes(32),
    policy: opts.policy ?? (() => personalPolicy()),
    ...(opts.now ? { now: opts.now } : {}),
    options: { port: 0, socketPath: null, unlockWaitMs: 0, ...opts.options },
    ...(opts.securityKey ? { securityKey: opts.securityKey } : {}),
  });
  const answer = opts.answer;
  if (answer) {
    gateway.subscribe((event, payload) => {
      if (event !== 'approval-requested') return;
      const p = payload as PendingApproval;
      const a = answer(p);
      if (a !== null) queueMicrotask(() => void gateway.uiHandlers['approvals.answer']({ approvalId: p.id, answer: a }, {} as never));
    });
  }
  const status = await gateway.start();
  const clients: Client[] = [];
  const connect = async (name: string, token: string): Promise<Client> => {
    const client = new Client({ name, version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(status.url!), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    clients.push(client);
    return client;
  };
  return {
    gateway,
    async connectAgent(name) {
      const paired = await gateway.uiHandlers['agents.pair']({ name, client: 'claude_code' }, {} as never);
      return { id: paired.agent.id, client: await connect(name, paired.token), token: paired.token };
    },
    connectWithToken: (token) => connect('reconnected', token),
    async close() {
      for (const c of clients) await c.close();
      await gateway.close();
      unforward();
      engine.close();
      rpcServer.close();
      ch.port1.close();
      ch.port2.close();
    },
  };
}

/** One tool call, as the agent sees it: whether it failed, and its text. */
export async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<{ isError: boolean; text: string }> {
  const r = await client.callTool({ name, arguments: args });
  return { isError: r.isError === true, text: (r.content as Array<{ text: string }>).map((c) => c.text).join('') };
}
