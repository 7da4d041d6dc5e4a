/**
 * Runs one tool call for one authenticated agent: rate limit → argument schema →
 * tool → scrubbed text. Every call that names a credential (or is refused) leaves an
 * activity entry and an audit event. Errors become MCP tool errors (`isError: true`)
 * with a stable code and a message the agent can act on — never a secret: messages
 * come only from LatchkeyErrors we wrote; anything else is reported as `internal`.
 */
import { z } from 'zod';
import { LatchkeyError, toSerializedError, type ErrorCode } from '../../shared/errors';
import type { ActivityLog, AuditFacts } from './activity';
import { checkPolicy, visibleCredentials } from './authorize';
import type { RateLimiter } from './rate-limit';
import { guardFactsOf } from './use-guards';
import type { AuthenticatedAgent, Registry } from './registry';
import { scrubText, type ToolContext, type ToolOutcome } from './tools/context';
import { httpRequestTool } from './tools/http-request';
import { runCommandTool } from './tools/run-command';
import { splitToolName } from './downstream/config';
import type { DownstreamManager } from './downstream/manager';
import { httpRequestArgs, listCredentialsArgs, runCommandArgs, toolInputJsonSchema } from './tools/schemas';

export interface ToolResult {
  content: Array<{ type: 'text'; text: string }>;
  /** The same JSON as the text, for tools with an output schema (MCP structured tool output). */
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  [key: string]: unknown;
}

export interface ToolDescriptor {
  name: string;
  description: string;
  inputSchema: { type: 'object'; [k: string]: unknown };
  outputSchema?: { type: 'object'; [k: string]: unknown };
}

export interface DispatchDeps {
  readonly ctx: ToolContext;
  /** Configured downstream MCP servers, or null. */
  readonly downstream: DownstreamManager | null;
  readonly registry: Registry;
  readonly limiter: RateLimiter;
  readonly activity: ActivityLog;
  /** Whether run_command is offered at all (person's switch or policy). */
  readonly runCommandOffered: () => boolean;
}

interface ToolDef<S extends z.ZodType> {
  readonly schema: S;
  readonly description: string;
  /** JSON Schema of the tool's JSON text; when set, results carry it as structuredContent too. */
  readonly outputSchema?: { type: 'object'; [k: string]: unknown };
  run(deps: DispatchDeps, agent: AuthenticatedAgent, args: z.output<S>, signal?: AbortSignal): Promise<ToolOutcome>;
}

function def<S extends z.ZodType>(d: ToolDef<S>): ToolDef<S> {
  return d;
}

export interface CredentialSummary {
  name: string;
  kind: 'api_credential';
  injection: string;
  description: string;
  allowedOrigins: string[];
}

/**
 * What an agent may know of the credentials granted to it (list_credentials and the
 * credential resources): never a value. Scrubbed anyway, since a name or description
 * could quote a secret by mistake.
 */
export async function credentialSummaries(deps: DispatchDeps, agent: AuthenticatedAgent, signal?: AbortSignal): Promise<CredentialSummary[]> {
  checkPolicy(deps.ctx, agent, 'list_credentials');
  const list = await visibleCredentials(deps.ctx, agent, 'list_credentials', signal);
  const credentials: CredentialSummary[] = list.map((c) => ({
    name: c.name,
    kind: 'api_credential',
    injection: c.injection.type,
    description: c.description,
    allowedOrigins: [...c.allowedOrigins],
  }));
  return JSON.parse(await scrubText(deps.ctx, JSON.stringify(credentials))) as CredentialSummary[];
}

const LIST_CREDENTIALS_OUTPUT = {
  type: 'object',
  properties: {
    credentials: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          kind: { type: 'string' },
          injection: { type: 'string' },
          description: { type: 'string' },
          allowedOrigins: { type: 'array', items: { type: 'string' } },
        },
        required: ['name', 'kind', 'injection', 'description', 'allowedOrigins'],
      },
    },
  },
  required: ['credentials'],
} as const satisfies ToolDescriptor['outputSchema'];

/** The JSON http_request returns (tools/http-request.ts renders it); extra fields are allowed so that file may grow. */
const HTTP_REQUEST_OUTPUT = {
  type: 'object',
  properties: {
    status: { type: 'integer', description: 'HTTP status code' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Response headers, secrets redacted' },
    bodyEncoding: { type: 'string', enum: ['utf8', 'base64'] },
    body: { type: 'string', description: 'Response body (size-capped), secrets redacted' },
    truncated: { type: 'boolean' },
    bodyWithheld: { type: 'boolean' },
    echoDetected: { type: 'boolean' },
    note: { type: 'string' },
  },
  required: ['status', 'headers', 'body'],
} as const satisfies ToolDescriptor['outputSchema'];

const TOOLS = {
  list_credentials: def({
    schema: listCredentialsArgs,
    description: 'Lists the credentials you may use through Latchkey: name, kind, what each is for and where it may be sent. Never returns a secret value.',
    outputSchema: LIST_CREDENTIALS_OUTPUT,
    async run(deps, agent, _args, signal) {
      return { text: JSON.stringify({ credentials: await credentialSummaries(deps, agent, signal) }, null, 2) };
    },
  }),
  http_request: def({
    schema: httpRequestArgs,
    description:
      "Sends an HTTP request with a named credential added by Latchkey (you never see the secret). The URL must be at one of the credential's allowed origins. Returns status, headers and body (size-capped); secrets in the response are redacted.",
    outputSchema: HTTP_REQUEST_OUTPUT,
    run: (deps, agent, args, signal) => httpRequestTool(deps.ctx, agent, args, signal),
  }),
  run_command: def({
    schema: runCommandArgs,
    description: 'Runs a program (no shell) with named credentials in environment variables, with a time and output limit; secrets in its output are redacted.',
    run: (deps, agent, args, signal) => runCommandTool(deps.ctx, agent, args, signal),
  }),
} as const;

type ToolName = keyof typeof TOOLS;

/** The output schema Latchkey declares for one of its own tools (downstream tools: none of ours). */
export function ownOutputSchema(name: string): ToolDescriptor['outputSchema'] {
  return Object.hasOwn(TOOLS, name) ? (TOOLS[name as ToolName] as ToolDef<z.ZodType>).outputSchema : undefined;
}

export async function listTools(deps: DispatchDeps, agent: AuthenticatedAgent, signal?: AbortSignal): Promise<ToolDescriptor[]> {
  const own = (Object.keys(TOOLS) as ToolName[])
    .filter((n) => n !== 'run_command' || deps.runCommandOffered())
    .map((name): ToolDescriptor => {
      const t: ToolDef<z.ZodType> = TOOLS[name];
      return { name, description: t.description, inputSchema: toolInputJsonSchema(t.schema), ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}) };
    });
  if (!deps.downstream || !deps.registry.isActive(agent.id)) return own;
  const pendingRecords: Promise<void>[] = [];
  const downstream = await deps.downstream.listTools(agent, signal, (server, err) => {
    const e = toSerializedError(err);
    // A server left out of the listing is a refusal like any other; a record that cannot be written is reported, not dropped.
    pendingRecords.push(
      deps.activity.record({
        agentId: agent.id,
        agentName: agent.name,
        tool: `downstream:${server}`,
        itemId: null,
        credentialName: null,
        destination: null,
        outcome: DENIED.has(e.code) ? 'denied' : 'failure',
        reason: e.code,
        audit: { tool: 'downstream', server },
      }),
    );
  });
  // If a refusal could not be signed, the agent gets no listing at all (fail closed, with the reason).
  await Promise.all(pendingRecords);
  return [...own, ...downstream];
}

const DENIED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'grant_denied',
  'approval_denied',
  'approval_timeout',
  'touch_required',
  'receipt_refused',
  'budget_exceeded',
  'destination_refused',
  'policy_forbidden',
  'forbidden',
  'rate_limited',
  'vault_locked',
  'unauthorized',
]);

export async function callTool(deps: DispatchDeps, agent: AuthenticatedAgent, name: string, rawArgs: unknown, signal?: AbortSignal): Promise<ToolResult> {
  const tool = Object.hasOwn(TOOLS, name) ? TOOLS[name as ToolName] : undefined;
  const ns = tool ? null : splitToolName(name);
  if (ns && deps.downstream?.has(ns.server)) return callDownstream(deps, agent, ns.server, ns.tool, rawArgs, signal);
  const facts = { credentialName: null as string | null, destination: null as string | null };
  let method: string | undefined;
  try {
    if (!deps.registry.isActive(agent.id)) throw new LatchkeyError('unauthorized', 'This agent was revoked; pair it again in Latchkey.');
    deps.ctx.canary?.assertNotCutOff(agent.id);
    if (!tool || (name === 'run_command' && !deps.runCommandOffered())) throw new LatchkeyError('not_found', `Latchkey has no tool named "${name.slice(0, 64)}".`);
    deps.limiter.take(agent.id);
    const parsed = tool.schema.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new LatchkeyError('invalid_input', `Invalid arguments for ${name}: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'malformed'}.`);
    }
    const args = parsed.data as Record<string, unknown>;
    if (typeof args.credential === 'string') facts.credentialName = args.credential.slice(0, 256);
    if (typeof args.url === 'string') facts.destination = safeOrigin(args.url);
    if (typeof args.method === 'string') method = args.method;
    deps.registry.markUsed(agent.id);
    // The union of tool defs cannot be called through one signature; args were parsed by this tool's own schema.
    // Each credential use was signed as it was released (ToolContext.recordRelease), before its secret left.
    const out = await (tool.run as (d: DispatchDeps, a: AuthenticatedAgent, x: unknown, s?: AbortSignal) => Promise<ToolOutcome>)(deps, agent, args, signal);
    return withStructured(out.text, (tool as ToolDef<z.ZodType>).outputSchema !== undefined);
  } catch (err) {
    return refuse(deps, agent, name, err, {
      ...facts,
      audit: { ...(tool ? { tool: name as ToolName } : {}), origin: facts.destination, ...(method !== undefined ? { method } : {}), ...guardFactsOf(err) },
    });
  }
}

/**
 * Refusals and failures are signed like uses. If even that record cannot be written,
 * the agent is told so (audit_unavailable) instead of the original reason: the person
 * must learn that the log has stopped, and nothing was sent either way.
 */
async function refuse(
  deps: DispatchDeps,
  agent: AuthenticatedAgent,
  tool: string,
  err: unknown,
  facts: { credentialName: string | null; destination: string | null; audit: AuditFacts },
): Promise<ToolResult> {
  let e = toSerializedError(err);
  if (e.code !== 'audit_unavailable') {
    try {
      await deps.activity.record({
        agentId: agent.id,
        agentName: agent.name,
        tool: tool.slice(0, 200),
        itemId: null,
        credentialName: facts.credentialName,
        destination: facts.destination,
        outcome: DENIED.has(e.code) ? 'denied' : 'failure',
        reason: e.code,
        audit: facts.audit,
      });
    } catch (auditErr) {
      e = toSerializedError(auditErr);
    }
  }
  // Our messages never hold secrets, but they can quote agent input: scrub anyway.
  const text = JSON.stringify({ error: e }, null, 2);
  let safe = text;
  try {
    safe = await scrubText(deps.ctx, text);
  } catch {
    // The engine cannot scrub (locked, or no window open): main holds no secret then,
    // and our messages never contain one, so the message can go out as written.
    safe = text;
  }
  return { content: [{ type: 'text', text: safe }], isError: true };
}

const downstreamArgs = z.record(z.string(), z.unknown()).optional();

async function callDownstream(deps: DispatchDeps, agent: AuthenticatedAgent, server: string, tool: string, rawArgs: unknown, signal?: AbortSignal): Promise<ToolResult> {
  const label = `downstream:${server}`;
  try {
    if (!deps.registry.isActive(agent.id)) throw new LatchkeyError('unauthorized', 'This agent was revoked; pair it again in Latchkey.');
    deps.ctx.canary?.assertNotCutOff(agent.id);
    deps.limiter.take(agent.id);
    // The downstream server validates its own schema; we only insist on a plain object.
    const parsed = downstreamArgs.safeParse(rawArgs);
    if (!parsed.success) throw new LatchkeyError('invalid_input', `Arguments for ${server}__${tool.slice(0, 64)} must be an object.`);
    deps.registry.markUsed(agent.id);
    const out = await deps.downstream!.call(agent, server, tool, parsed.data, signal);
    // The server's credentials were signed as they were released; this records the call itself.
    await deps.activity.record({
      agentId: agent.id,
      agentName: agent.name,
      tool: label,
      itemId: out.itemId,
      credentialName: out.credentialName,
      destination: `mcp: ${server}`,
      // The real outcome: a result the gateway withheld (echo, DLP block, a blob with a secret) is not a success.
      outcome: out.status.outcome,
      reason: out.status.reason,
      audit: { tool: 'downstream', server, serverTool: tool },
    });
    return out.result as ToolResult;
  } catch (err) {
    return refuse(deps, agent, label, err, { credentialName: null, destination: `mcp: ${server}`, audit: { tool: 'downstream', server, serverTool: tool } });
  }
}

/** The tool's JSON text, also as structuredContent when the tool declares an output schema. */
function withStructured(text: string, structured: boolean): ToolResult {
  const result: ToolResult = { content: [{ type: 'text', text }] };
  if (!structured) return result;
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) result.structuredContent = value as Record<string, unknown>;
  } catch {
    // Not JSON: text only (a client then reads content, as for any tool).
  }
  return result;
}

function safeOrigin(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}
