/**
 * Decisions for the MCP gateway (src/main/gateway): whether it runs, which paired
 * agents and which tools may be used, which destinations a credential may be sent to
 * on top of the item's own allowed origins, and how often the person must approve.
 */
import { LatchkeyError } from '../../shared/errors';
import { APPROVAL_MODES, type ApprovalMode, type EffectivePolicy } from '../../shared/policy';
import { matchesPolicyRule, requestTarget } from './destination-rules';
import { forbiddenByPolicy, forbiddenBySettings } from './rule-error';

export function gatewayEnabled(p: EffectivePolicy): boolean {
  return p.policy?.gateway?.enabled ?? p.personal.gatewayEnabled;
}

/** Refuses starting the gateway or serving any call while it is off. */
export function assertGatewayEnabled(p: EffectivePolicy): void {
  if (p.policy?.gateway?.enabled === false) throw forbiddenByPolicy(p, 'gateway.enabled', 'The agent gateway (MCP) is turned off.');
  if (!gatewayEnabled(p)) throw forbiddenBySettings('The agent gateway (MCP) is off.', 'gatewayEnabled');
}

/**
 * Refuses an agent whose paired name is not on the allow-list. Names compare
 * case-insensitively; a pattern ending in * is a prefix match ("Claude*").
 */
export function assertAgentAllowed(p: EffectivePolicy, agentName: string): void {
  const list = p.policy?.gateway?.allowedAgents;
  if (!list) return;
  const name = agentName.trim().toLowerCase();
  const ok = list.some((pattern) => {
    const pat = pattern.toLowerCase();
    return pat.endsWith('*') ? name.startsWith(pat.slice(0, -1)) : name === pat;
  });
  if (!ok) throw forbiddenByPolicy(p, 'gateway.allowedAgents', `The agent "${agentName.slice(0, 128)}" may not use Latchkey.`);
}

/**
 * Refuses a tool: `http_request`, `run_command`, `list_credentials`, or a downstream
 * server's tool as `downstream:<server name>`. Listing credential names is always
 * allowed. `run_command` also needs the person to have turned it on.
 */
export function assertToolAllowed(p: EffectivePolicy, tool: string): void {
  if (tool === 'list_credentials') return;
  const list = p.policy?.gateway?.allowedTools;
  if (list) {
    const ok = list.includes(tool) || (tool.startsWith('downstream:') && list.includes('downstream:*'));
    if (!ok) throw forbiddenByPolicy(p, 'gateway.allowedTools', `The tool "${tool.slice(0, 128)}" is not available to agents.`);
  }
  if (tool === 'run_command' && !p.personal.runCommandEnabled) {
    throw forbiddenBySettings('Running commands with credentials (run_command) is off.', 'runCommandEnabled');
  }
}

/**
 * Refuses sending a credential to `url` with `method` (every hop, redirects included).
 * Applies ON TOP of the item's allowed destinations: the deny-list always wins; a
 * non-empty or present allow-list restricts to its entries (an empty list allows
 * nothing). Rules may name methods and a path glob (destination-rules.ts); with no
 * `method` known, a rule that names methods allows nothing and denies everything.
 */
export function assertDestinationAllowed(p: EffectivePolicy, url: string, method?: string): void {
  const t = requestTarget(url, method ?? null);
  if (!t) throw new LatchkeyError('invalid_input', 'The destination is not an absolute http(s) URL.');
  const rules = p.policy?.gateway?.destinations;
  if (!rules) return;
  const { dest } = t;
  const origin = `${dest.scheme}://${dest.host}:${dest.port}`;
  const what = method ? `${method} ${origin}` : origin;
  if (rules.deny) {
    const hit = matchesPolicyRule(t, rules.deny, true);
    if (hit !== null) throw forbiddenByPolicy(p, 'gateway.destinations.deny', `Sending a credential to ${what} is refused (deny-list entry "${hit}").`);
  }
  if (rules.allow && matchesPolicyRule(t, rules.allow, false) === null) {
    throw forbiddenByPolicy(
      p,
      'gateway.destinations.allow',
      `Sending a credential to ${what}${t.path ? ` (path ${t.path.slice(0, 200)})` : ''} is refused: it is not on the list of allowed destinations.`,
    );
  }
}

/** The loosest approval mode policy allows, or null when the person decides. */
export function approvalModeFloor(p: EffectivePolicy): ApprovalMode | null {
  return p.policy?.gateway?.approvalModeFloor ?? null;
}

/** The stricter of a grant's mode and the floor: what the gateway must actually do. */
export function effectiveApprovalMode(p: EffectivePolicy, requested: ApprovalMode): ApprovalMode {
  const floor = approvalModeFloor(p);
  if (floor === null) return requested;
  return APPROVAL_MODES.indexOf(requested) <= APPROVAL_MODES.indexOf(floor) ? requested : floor;
}

/** Refuses creating a grant looser than the floor (e.g. "always" when policy says "every_time"). */
export function assertApprovalModeAllowed(p: EffectivePolicy, requested: ApprovalMode): void {
  const floor = approvalModeFloor(p);
  if (floor !== null && effectiveApprovalMode(p, requested) !== requested) {
    throw forbiddenByPolicy(p, 'gateway.approvalModeFloor', `Approving "${requested}" is refused: the person must approve at least "${floor}".`);
  }
}

/**
 * Refuses an agent's request for env mode (`run_command` with `realEnv`: the real value
 * in the child's environment, which the program can send anywhere) unless the org
 * policy allows it. Without a policy it is refused too: an agent chooses the command.
 */
export function assertRealEnvAllowed(p: EffectivePolicy): void {
  if (p.policy?.gateway?.realEnvAllowed === true) return;
  if (p.policy?.gateway?.realEnvAllowed === false) {
    throw forbiddenByPolicy(
      p,
      'gateway.realEnvAllowed',
      "Putting the real credential in the program's environment is turned off; run without realEnv (the program gets a placeholder that works through Latchkey's proxy).",
    );
  }
  throw new LatchkeyError(
    'forbidden',
    "Putting the real credential in the program's environment is off for agents; run without realEnv (the program gets a placeholder that works through Latchkey's proxy), or ask IT to allow it (policy gateway.realEnvAllowed).",
  );
}

/** Tags whose credentials need a touch to approve whatever policy says (docs/policy.md "touch to approve"). */
export const TOUCH_REQUIRED_TAGS_BUILTIN = ['production'] as const;

/**
 * What a use of a credential with these tags needs from the security key: nothing
 * (null), a touch, or a touch that also verifies the person. Tags compare without case.
 */
export function touchRequirement(p: EffectivePolicy, tags: readonly string[] | undefined): { uv: boolean } | null {
  if (!tags || tags.length === 0) return null;
  const marked = new Set([...TOUCH_REQUIRED_TAGS_BUILTIN, ...(p.policy?.gateway?.touchRequiredTags ?? [])].map((t) => t.toLowerCase()));
  if (!tags.some((t) => marked.has(t.toLowerCase()))) return null;
  return { uv: p.policy?.gateway?.touchUserVerification === true };
}

/**
 * Why a use of a high-risk credential was refused before any touch was asked for:
 * `other_tool`, an agent tool that sends no request of the gateway's own (only
 * http_request does); `terminal`, latchkey run or inject (the program sends its own);
 * `no_key`, no security key is enrolled for approvals.
 */
export type TouchRefusal = 'other_tool' | 'terminal' | 'no_key';

/** The `touch_required` refusal in plain words, one wording for the gateway and the terminal. */
export function touchRequiredMessage(credentialName: string, why: TouchRefusal): string {
  const marked = `"${credentialName.slice(0, 128)}" is marked high-risk: each use needs a touch of`;
  if (why === 'no_key') return `${marked} a security key enrolled for approvals, and none is. Ask the person to enrol one in Latchkey.`;
  const only = `${marked} your security key over the exact request, so only an agent's http_request through Latchkey can use it`;
  return why === 'terminal' ? `${only}, not latchkey run or inject.` : `${only}.`;
}
