/**
 * The agent gateway's RPC API for the UI (renderer -> main): paired agents, their
 * grants per credential, pending approval prompts and the activity list.
 *
 * Nothing here ever carries a credential value. The only secret that crosses this
 * contract is an agent's bearer token, returned ONCE by `agents.pair` and
 * `agents.rotate` (main keeps only its keyed hash). Errors are LatchkeyErrors:
 * not_found (unknown agent / approval), invalid_input, policy_forbidden (a grant
 * looser than the org's approval floor, or an agent the policy does not allow).
 */
import { z } from 'zod';
import { defineContract } from '../rpc/contract';
import { itemIdSchema } from '../items';
import { ANOMALY_RULES, budgetSchema } from '../budgets';

/** Agent ids: 12 random bytes, base64url (16 characters). Not secret. */
export const agentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16}$/, 'agent id');

/** Which client the person says they pair; picks the snippet shown first. */
export const AGENT_CLIENTS = ['claude_desktop', 'claude_code', 'cursor', 'vscode', 'other'] as const;
export const agentClientSchema = z.enum(AGENT_CLIENTS);
export type AgentClient = z.infer<typeof agentClientSchema>;

export const agentNameSchema = z.string().trim().min(1).max(128);

export const agentSummarySchema = z.object({
  id: agentIdSchema,
  name: agentNameSchema,
  client: agentClientSchema,
  createdAt: z.number().int(),
  /** When the token was last issued (pairing or rotation). */
  tokenIssuedAt: z.number().int(),
  lastUsedAt: z.number().int().nullable(),
  /** Revoked agents stay listed (greyed out) so their activity still has a name. */
  revoked: z.boolean(),
  /** Stopped after it touched a canary credential (until the person restores it); null otherwise. */
  stoppedAt: z.number().int().nullable(),
});
export type AgentSummary = z.infer<typeof agentSummarySchema>;

/**
 * Ready-to-paste configuration for each client. Each snippet CONTAINS THE TOKEN: the
 * UI shows it once, next to a copy button, and never stores it.
 */
export const configSnippetsSchema = z.object({
  /** claude_desktop_config.json `mcpServers` entry: the stdio bridge by absolute path (Claude Desktop does not connect to localhost HTTP). */
  claudeDesktop: z.string(),
  /** A Claude Desktop extension (.mcpb, MCPB manifest 0.3), base64: no token inside; Claude Desktop asks for it at install. */
  claudeDesktopBundle: z.string(),
  /** A `claude mcp add` command line (HTTP transport with the bearer header). */
  claudeCode: z.string(),
  /** ~/.cursor/mcp.json entry (HTTP with headers). */
  cursor: z.string(),
  /** Cursor's one-click install link (cursor://anysphere.cursor-deeplink/mcp/install?name=…&config=base64(JSON)). */
  cursorDeeplink: z.string(),
  /** .vscode/mcp.json entry (type http with headers). */
  vscode: z.string(),
  /** A `code --add-mcp '<json>'` command line (VS Code adds the server to the user profile). */
  vscodeAddMcp: z.string(),
  /** Any other client: an `mcpServers` block with the HTTP endpoint and the stdio bridge. */
  generic: z.string(),
});
export type ConfigSnippets = z.infer<typeof configSnippetsSchema>;

/**
 * A grant of one credential to one agent:
 * - ask:     ask the person at every use (the default for a credential with no grant)
 * - session: ask once; allowed until the vault locks
 * - always:  never ask (policy's approvalModeFloor may still force asking)
 * - never:   refused without asking; the credential is hidden from the agent
 */
export const GRANT_MODES = ['ask', 'session', 'always', 'never'] as const;
export const grantModeSchema = z.enum(GRANT_MODES);
export type GrantMode = z.infer<typeof grantModeSchema>;

export const grantSchema = z.object({
  agentId: agentIdSchema,
  itemId: itemIdSchema,
  mode: grantModeSchema,
  /** True while a `session` grant (or a "this session" answer) is approved for the current unlock. */
  sessionApproved: z.boolean(),
});
export type Grant = z.infer<typeof grantSchema>;

/** A downstream MCP server's configured name (the prefix of its tools, `<server>__<tool>`). */
export const serverNameSchema = z.string().regex(/^[A-Za-z0-9-]{1,32}$/, 'a downstream server name');

/**
 * A grant of one downstream MCP server (all its tools) to one agent, same modes as a
 * credential grant. With no stored grant a server is 'ask': its tools are listed and
 * every call asks the person. 'never' hides its tools and refuses calls. A server's
 * own credentials still go through their credential grants as well.
 */
export const serverGrantSchema = z.object({
  agentId: agentIdSchema,
  server: serverNameSchema,
  mode: grantModeSchema,
  sessionApproved: z.boolean(),
});
export type ServerGrant = z.infer<typeof serverGrantSchema>;

/** An approval the person has not answered yet. `destination` is an origin, or `command: <name>` for run_command. */
export const pendingApprovalSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
  agentId: agentIdSchema,
  agentName: z.string(),
  /** The credential asked for; null when the prompt is for a downstream server's tool call. */
  itemId: itemIdSchema.nullable(),
  /** The credential's name, or `MCP server "<name>"` for a server's tool call. */
  credentialName: z.string(),
  /** The downstream server asked for, or null for a credential. */
  server: serverNameSchema.nullable(),
  tool: z.string().max(200),
  destination: z.string().max(600),
  requestedAt: z.number().int(),
  /** Why this use needs the person although the grant would allow it (e.g. the host echoed the credential last time). */
  warning: z.string().max(300).optional(),
  /**
   * The exact request to approve (http_request): method, URL without its query (which
   * may carry a token), and body size. Shown before a touch is asked for.
   */
  request: z.strictObject({ method: z.string().max(16), url: z.string().max(600), bodyBytes: z.number().int().min(0) }).optional(),
  /** Approving needs a touch of an enrolled security key (a high-risk credential). */
  touch: z.boolean().optional(),
  /** Unanswered at this time -> refused with 'approval_timeout'. */
  expiresAt: z.number().int(),
});
export type PendingApproval = z.infer<typeof pendingApprovalSchema>;

/**
 * The person's answer: deny; allow once; allow until the vault locks; always allow
 * (stored as the grant; refused with policy_forbidden when policy's floor is stricter).
 */
export const APPROVAL_ANSWERS = ['deny', 'once', 'session', 'always'] as const;
export const approvalAnswerSchema = z.enum(APPROVAL_ANSWERS);
export type ApprovalAnswer = z.infer<typeof approvalAnswerSchema>;

/** One gateway use, as recorded (the same facts also go to the signed audit chain). No secret. */
export const activityEntrySchema = z.object({
  id: z.number().int().nonnegative(),
  at: z.number().int(),
  agentId: agentIdSchema.nullable(),
  agentName: z.string().nullable(),
  tool: z.string().max(200),
  itemId: itemIdSchema.nullable(),
  credentialName: z.string().nullable(),
  /** Origin (scheme://host:port) or `command: <name>`; null when none applies. */
  destination: z.string().max(600).nullable(),
  outcome: z.enum(['success', 'failure', 'denied']),
  /** An error code such as grant_denied, approval_timeout, destination_refused, or 'approved_once'. */
  reason: z.string().max(128).nullable(),
});
export type ActivityEntry = z.infer<typeof activityEntrySchema>;

export const gatewayStatusSchema = z.object({
  running: z.boolean(),
  /** http://127.0.0.1:<port>/mcp, or null when the HTTP endpoint is not listening. */
  url: z.string().nullable(),
  port: z.number().int().nullable(),
  /** The stdio bridge's socket (Unix) or pipe (Windows) path, or null when not listening. */
  socketPath: z.string().nullable(),
  runCommandEnabled: z.boolean(),
});
export type GatewayStatus = z.infer<typeof gatewayStatusSchema>;

const ok = z.object({ ok: z.literal(true) });

/** An anomaly alert (docs/gateway.md §15): what rule, who, where. Never a value; `path` is the path's shape, for this screen only. */
export const alertSchema = z.object({
  id: z.number().int().nonnegative(),
  rule: z.enum(ANOMALY_RULES),
  agentId: agentIdSchema,
  agentName: z.string(),
  itemId: itemIdSchema.nullable(),
  credentialName: z.string().nullable(),
  tool: z.string(),
  origin: z.string().nullable(),
  method: z.string().nullable(),
  path: z.string().max(2048).nullable(),
  /** Policy made this use (or the agent's next use) ask the person afresh. */
  requiresApproval: z.boolean(),
  message: z.string().max(300),
  at: z.number().int(),
});
export type Alert = z.infer<typeof alertSchema>;

/** One grant's budget as the Agents page shows it: the person's, the one that applies (policy's floor in), and what is used. */
export const grantBudgetSchema = z.object({
  itemId: itemIdSchema,
  /** What the person set; null = none. */
  budget: budgetSchema.nullable(),
  /** The person's budget made stricter by policy's floor: what is enforced. */
  effective: budgetSchema,
  usage: z.object({ usesHour: z.number().int(), usesDay: z.number().int(), bytesHour: z.number().int(), bytesDay: z.number().int() }),
});
export type GrantBudget = z.infer<typeof grantBudgetSchema>;

export const GatewayUiContract = defineContract({
  name: 'gateway-ui',
  methods: {
    'gateway.status': { params: z.object({}), result: gatewayStatusSchema },
    'agents.list': { params: z.object({}), result: z.object({ agents: z.array(agentSummarySchema) }) },
    /** Returns the bearer token ONCE, with the snippets that embed it. */
    'agents.pair': {
      params: z.object({ name: agentNameSchema, client: agentClientSchema }),
      result: z.object({ agent: agentSummarySchema, token: z.string(), snippets: configSnippetsSchema }),
    },
    /** The token stops working at once; pending approvals of the agent are refused. */
    'agents.revoke': { params: z.object({ agentId: agentIdSchema }), result: ok },
    /** A new token (returned once); the old one stops working at once. */
    'agents.rotate': {
      params: z.object({ agentId: agentIdSchema }),
      result: z.object({ agent: agentSummarySchema, token: z.string(), snippets: configSnippetsSchema }),
    },
    /** Grants of one agent for every API credential (credentials without a stored grant show as 'ask'); empty while locked. */
    'grants.get': { params: z.object({ agentId: agentIdSchema }), result: z.object({ grants: z.array(grantSchema) }) },
    'grants.set': { params: z.object({ agentId: agentIdSchema, itemId: itemIdSchema, mode: grantModeSchema }), result: ok },
    /** Grants of one agent for every configured downstream MCP server (no stored grant shows as 'ask'). */
    'serverGrants.get': { params: z.object({ agentId: agentIdSchema }), result: z.object({ grants: z.array(serverGrantSchema) }) },
    'serverGrants.set': { params: z.object({ agentId: agentIdSchema, server: serverNameSchema, mode: grantModeSchema }), result: ok },
    /**
     * Lets an agent that was cut off after it tripped a canary credential (policy
     * `canary.cutOffAgent`) call tools again. 'not_found' for an unknown agent.
     */
    'agents.restore': { params: z.object({ agentId: agentIdSchema }), result: ok },
    /**
     * Forgets a revoked agent: its entry and grants go; its activity keeps the name it
     * had. 'forbidden' while the agent is not revoked (revoke first), 'not_found' for an
     * unknown agent.
     */
    'agents.remove': { params: z.object({ agentId: agentIdSchema }), result: ok },
    /** Budgets of one agent's grants, for every API credential; empty while locked. */
    'budgets.get': { params: z.object({ agentId: agentIdSchema }), result: z.object({ budgets: z.array(grantBudgetSchema), floor: budgetSchema }) },
    /** Sets the person's budget of a grant (null: none). Policy's floor still applies on top. */
    'budgets.set': { params: z.object({ agentId: agentIdSchema, itemId: itemIdSchema, budget: budgetSchema.nullable() }), result: ok },
    /** Anomaly alerts not dismissed, newest first. */
    'alerts.list': { params: z.object({}), result: z.object({ alerts: z.array(alertSchema) }) },
    'alerts.dismiss': { params: z.object({ id: z.number().int().nonnegative() }), result: ok },
    'approvals.pending': { params: z.object({}), result: z.object({ approvals: z.array(pendingApprovalSchema) }) },
    /** Security keys enrolled to approve high-risk credentials' requests (touch to approve). */
    'approvalKeys.list': { params: z.object({}), result: z.object({ keys: z.array(z.object({ credentialId: z.string().max(1366), alg: z.number().int() })) }) },
    /** Enrols the plugged-in security key to approve requests (a touch now); `uv`: the key verifies the person too. */
    'approvalKeys.enrol': { params: z.strictObject({ uv: z.boolean().optional() }), result: z.object({ credentialId: z.string().max(1366) }) },
    'approvals.answer': { params: z.object({ approvalId: pendingApprovalSchema.shape.id, answer: approvalAnswerSchema }), result: ok },
    /** Newest first. */
    'activity.list': {
      params: z.object({ agentId: agentIdSchema.optional(), limit: z.number().int().min(1).max(1000).optional() }),
      result: z.object({ entries: z.array(activityEntrySchema) }),
    },
  },
  events: {
    /** Show the prompt (and an OS notification). */
    'approval-requested': pendingApprovalSchema,
    /** The prompt was answered, timed out or cancelled: remove it. */
    'approval-settled': z.object({ id: pendingApprovalSchema.shape.id, outcome: z.enum(['approved', 'denied', 'timeout', 'cancelled']) }),
    /** A call needs a credential while the vault is locked: ask the person to unlock. */
    'unlock-requested': z.object({ agentName: z.string(), tool: z.string(), until: z.number().int() }),
    /** No call waits for the unlock any more (each was cancelled or gave up): the request to unlock is withdrawn. */
    'unlock-withdrawn': z.object({}),
    activity: activityEntrySchema,
    'agents-changed': z.object({}),
    /** An anomaly alert: show it first on the Activity page (and as an OS notification). */
    'alert-raised': alertSchema,
    /**
     * An agent tried to use a canary credential, or a canary's value came back in a
     * result going to it: show an alert. `cutOff`: policy stopped the agent until the
     * person restores it ('agents.restore'). Never carries the value.
     */
    'canary-tripped': z.object({
      agentId: agentIdSchema,
      agentName: z.string(),
      itemId: itemIdSchema,
      credentialName: z.string().nullable(),
      /** `use` (it asked to use the canary) or `result` (its value was in a result). */
      how: z.enum(['use', 'result']),
      /** The tool label: http_request, run_command, downstream:<server>. */
      tool: z.string(),
      cutOff: z.boolean(),
      at: z.number().int(),
    }),
  },
});
export type GatewayUiContract = typeof GatewayUiContract;
