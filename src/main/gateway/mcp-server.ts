/**
 * One MCP server instance bound to one authenticated agent, on the SDK v2 low-level
 * Server: per HTTP request (both eras) and per bridge connection. The SDK's serving
 * entries pick the era (2026-07-28 from the request's `_meta` envelope, 2025-era from
 * `initialize` or a claim-less request) and build an instance through
 * {@link agentServerFactory}; the tool list and argument parsing stay ours (zod, before
 * anything runs).
 *
 * Nothing here remembers an earlier request: the agent comes from this request's token,
 * the client's capabilities from this request's envelope (2026-07-28). The one state
 * that outlives a request is a Task, and every task request names its task.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ResourceNotFoundError,
  SUPPORTED_PROTOCOL_VERSIONS,
  Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { LatchkeyError, toSerializedError } from '../../shared/errors';
import type { PendingApproval } from '../../shared/contracts/gateway';
import { watchApprovals } from './approvals';
import { callTool, credentialSummaries, listTools, ownOutputSchema, type DispatchDeps, type ToolResult } from './dispatch';
import type { AuthenticatedAgent } from './registry';
import { TASKS_EXTENSION, type TaskStore } from './tasks';

export const SERVER_INFO = { name: 'latchkey', version: '0.1.0' } as const;

/** The revision of the stateless era, then the handshake era's own list (newest first). */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
export const PROTOCOL_VERSIONS = [MODERN_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS];

export const INSTRUCTIONS =
  "Latchkey holds the person's API credentials. Tools: list_credentials (which credentials you may use: name, kind, allowed destinations; never a value), " +
  "http_request (an HTTP request with a named credential added by Latchkey; the URL must be at one of the credential's allowed origins; secrets in the response are redacted), " +
  'and, when the person turned it on, run_command. The granted credentials are also listed as resources (latchkey://credential/<name>). ' +
  'A call may wait for the person to approve it: clients that declare the io.modelcontextprotocol/tasks extension get a task to poll; others get progress notifications when they send a progressToken.';

export const CREDENTIAL_URI_PREFIX = 'latchkey://credential/';

/** How often a waiting call with a progressToken is told it is still waiting. */
const PROGRESS_EVERY_MS = 5_000;

export interface AgentServerDeps {
  readonly dispatch: DispatchDeps;
  readonly tasks: TaskStore;
  /**
   * 2025-era HTTP calls in flight, by agent and JSON-RPC id: over stateless HTTP a
   * `notifications/cancelled` arrives in its own POST (its own instance), so this is how
   * it finds the call it cancels — only among the same agent's calls.
   */
  readonly inflight: Map<string, AbortController>;
}

const inflightKey = (agentId: string, requestId: unknown): string => `${agentId}\u0000${JSON.stringify(requestId)}`;

const taskParams = z.looseObject({ taskId: z.string().max(200) });

function declaresTasks(ctx: ServerContext): boolean {
  const caps = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as { extensions?: Record<string, unknown> } | undefined;
  return caps?.extensions?.[TASKS_EXTENSION] !== undefined;
}

function requireTasks(ctx: ServerContext): void {
  if (!declaresTasks(ctx)) {
    throw new MissingRequiredClientCapabilityError(
      { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
      'Missing required client capability: io.modelcontextprotocol/tasks.',
    );
  }
}

const UNLOCK_LINE = 'Waiting for the person to unlock Latchkey.';

function promptLine(p: PendingApproval): string {
  return `Waiting for the person to approve ${p.tool} with ${p.credentialName} → ${p.destination} in Latchkey.`;
}

/**
 * `exchange`: aborted when the HTTP exchange that carries this instance's request ends
 * early (the client went away). The SDK's stateless 2025-era leg does not turn that into
 * the handler's signal, and a `notifications/cancelled` arrives on another POST (another
 * instance), so the gateway passes it in: a client abandoning a waiting call withdraws the prompt.
 */
export function createAgentMcpServer(deps: AgentServerDeps, agent: AuthenticatedAgent, era: 'legacy' | 'modern', exchange?: AbortSignal): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false }, resources: {}, ...(era === 'modern' ? { extensions: { [TASKS_EXTENSION]: {} } } : {}) },
    instructions: INSTRUCTIONS,
    supportedProtocolVersions: PROTOCOL_VERSIONS,
    // The list depends on grants, policy and downstream servers: a short private lifetime.
    cacheHints: {
      'tools/list': { ttlMs: 60_000, cacheScope: 'private' },
      'server/discover': { ttlMs: 60_000, cacheScope: 'private' },
      'resources/list': { ttlMs: 0, cacheScope: 'private' },
    },
  });
  server.setRequestHandler('tools/list', async (_req, ctx) => {
    return { tools: await listTools(deps.dispatch, agent, ctx.mcpReq.signal) };
  });

  server.setRequestHandler('tools/call', async (req, ctx) => {
    const { name, arguments: args } = req.params;
    const progressToken = req.params._meta?.progressToken;
    const asTask = era === 'modern' && declaresTasks(ctx);
    // The call's own signal: the request's, until a task takes the call over.
    const controller = new AbortController();
    const onRequestAbort = (): void => controller.abort();
    const upstream = [ctx.mcpReq.signal, ...(exchange ? [exchange] : [])];
    const detach = (): void => {
      for (const sig of upstream) sig.removeEventListener('abort', onRequestAbort);
    };
    for (const sig of upstream) {
      if (sig.aborted) controller.abort();
      else sig.addEventListener('abort', onRequestAbort, { once: true });
    }
    // The first wait for the person (an approval prompt, or the vault to be unlocked) is what turns the call into a task.
    let waited: (line: string) => void = () => undefined;
    const firstWait = new Promise<string>((r) => (waited = r));
    let progress = 0;
    let ticker: ReturnType<typeof setInterval> | null = null;
    const report = (message: string): void => {
      if (progressToken === undefined || controller.signal.aborted) return;
      progress += 1;
      void ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, message } }).catch(() => undefined);
    };
    const stopTicker = (): void => {
      if (ticker !== null) clearInterval(ticker);
      ticker = null;
    };
    const waitingFor = (line: string): void => {
      waited(line);
      deps.tasks.update(controller, line);
      report(line);
      stopTicker();
      if (progressToken !== undefined) ticker = setInterval(() => report(line), PROGRESS_EVERY_MS);
    };
    watchApprovals(controller.signal, {
      requested: (p) => waitingFor(promptLine(p)),
      settled: (outcome) => {
        stopTicker();
        report(`Approval ${outcome}.`);
      },
      unlockRequested: () => waitingFor(UNLOCK_LINE),
      unlockSettled: (unlocked) => {
        stopTicker();
        report(unlocked ? 'Latchkey was unlocked.' : 'Latchkey stayed locked.');
      },
    });
    const key = era === 'legacy' && exchange ? inflightKey(agent.id, ctx.mcpReq.id) : null;
    if (key !== null) deps.inflight.set(key, controller);
    const run = callTool(deps.dispatch, agent, name, args, controller.signal).finally(() => {
      stopTicker();
      detach();
      if (key !== null && deps.inflight.get(key) === controller) deps.inflight.delete(key);
    });
    if (!asTask) return project(server, await run, ownOutputSchema(name));
    const first = await Promise.race([run.then((r) => ({ done: r })), firstWait.then((line) => ({ line }))]);
    if ('done' in first) return project(server, first.done, ownOutputSchema(name));
    // From here the task owns the call: the HTTP exchange ending must not cancel it.
    detach();
    const view = deps.tasks.create(
      agent.id,
      controller,
      first.line,
      run.then((r) => project(server, r, ownOutputSchema(name))),
    );
    // The extension's CreateTaskResult: the SDK passes resultType "task" through on 2026-07-28.
    return { resultType: 'task', ...view } as unknown as ToolResult;
  });

  server.setRequestHandler('resources/list', async (_req, ctx) => {
    const list = await summariesOrError(deps, agent, ctx);
    return {
      resources: list.map((c) => ({
        uri: CREDENTIAL_URI_PREFIX + encodeURIComponent(c.name),
        name: c.name,
        title: c.name,
        description: `${c.description} (${c.kind}; may be sent to ${c.allowedOrigins.join(', ') || 'no origin'})`,
        mimeType: 'application/json',
      })),
    };
  });

  server.setRequestHandler('resources/read', async (req, ctx) => {
    const uri = req.params.uri;
    const list = await summariesOrError(deps, agent, ctx);
    const found = uri.startsWith(CREDENTIAL_URI_PREFIX) ? list.find((c) => CREDENTIAL_URI_PREFIX + encodeURIComponent(c.name) === uri) : undefined;
    if (!found) throw new ResourceNotFoundError(uri.slice(0, 300), 'Latchkey has no credential resource at that address that this agent may use.');
    return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(found, null, 2) }] };
  });

  if (era === 'legacy' && exchange) {
    // Stateless 2025-era HTTP: the cancelled call lives in another instance (see AgentServerDeps.inflight).
    server.setNotificationHandler('notifications/cancelled', (n) => {
      const requestId = (n.params as { requestId?: unknown } | undefined)?.requestId;
      if (requestId === undefined) return;
      deps.inflight.get(inflightKey(agent.id, requestId))?.abort();
    });
  }

  if (era === 'modern') {
    server.setRequestHandler('tasks/get', { params: taskParams }, (params, ctx) => {
      requireTasks(ctx);
      const t = deps.tasks.get(agent.id, params.taskId);
      if (!t) throw new ProtocolError(-32602, 'Failed to retrieve task: Task not found.');
      return t;
    });
    server.setRequestHandler('tasks/cancel', { params: taskParams }, (params, ctx) => {
      requireTasks(ctx);
      if (!deps.tasks.cancel(agent.id, params.taskId)) throw new ProtocolError(-32602, 'Failed to cancel task: Task not found.');
      return {};
    });
  }
  return server;
}

/** The codec's own era projection (e.g. the 2025 wrap of non-object structured output); the schema is static, never learnt from an earlier tools/list. */
function project(server: Server, result: ToolResult, outputSchema: Record<string, unknown> | undefined): ToolResult {
  return server.projectCallToolResult(result, result.structuredContent ? outputSchema : undefined) as ToolResult;
}

async function summariesOrError(deps: AgentServerDeps, agent: AuthenticatedAgent, ctx: ServerContext) {
  try {
    if (!deps.dispatch.registry.isActive(agent.id)) throw new LatchkeyError('unauthorized', 'This agent was revoked; pair it again in Latchkey.');
    return await credentialSummaries(deps.dispatch, agent, ctx.mcpReq.signal);
  } catch (err) {
    const e = toSerializedError(err);
    // Our own messages, never a secret; anything unexpected is reported as internal.
    throw new ProtocolError(-32603, e.code === 'internal' ? 'Latchkey could not list the credentials.' : e.message);
  }
}
