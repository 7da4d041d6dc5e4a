/**
 * The one path every credential use goes through, in this order (cheapest refusals
 * first, the person's attention last, the secret only at the very end):
 *   policy (gateway on, agent allowed, tool allowed) → vault unlocked (or wait for the
 *   person, bounded) → credential by name → grant 'never' → destination is one the item
 *   allows and policy's destination rules accept → approval per grant mode and policy
 *   floor → the secret, whose rule and origins are re-checked from the same version.
 */
import {
  assertAgentAllowed,
  assertApprovalModeAllowed,
  assertDestinationAllowed,
  assertGatewayEnabled,
  assertToolAllowed,
  effectiveApprovalMode,
  itemAllows,
  touchRequirement,
  touchRequiredMessage,
} from '../../core/policy';
import type { JsonValue } from '../../core/audit/jcs';
import type { ApprovalReceipt } from '../../shared/contracts/approval-receipt';
import type { ApprovalMode } from '../../shared/policy';
import { LatchkeyError, isLatchkeyError } from '../../shared/errors';
import type { GrantMode } from '../../shared/contracts/gateway';
import type { ApprovalQueue } from './approvals';
import type { CachedCredentials, Listing } from './credential-cache';
import type { CredentialOverview, CredentialUse, PolicySource } from './ports';
import { promptRequest, type ReceiptBook, type ReceiptGrant, type ReceiptTouch, type SentPart } from './receipts';
import { serverKey, type AuthenticatedAgent, type Registry } from './registry';
import type { GuardFacts, UseGate, UseGuards } from './use-guards';

export interface AuthorizeDeps {
  /** The engine, with main's copy of the overviews (credential-cache.ts). */
  readonly credentials: CachedCredentials;
  readonly registry: Registry;
  readonly approvals: ApprovalQueue;
  readonly policy: PolicySource;
  /** Waits (bounded) for the person to unlock; resolves false on timeout. */
  readonly waitForUnlock: (agent: AuthenticatedAgent, tool: string, signal?: AbortSignal) => Promise<boolean>;
  /** Credential + destination pairs whose host echoed the credential: asked afresh (tools/echo-guard.ts). */
  readonly echoes?: { warning(itemId: string, destination: string): string | null; clear(itemId: string, destination: string): void };
  /** Approval receipts and touches (receipts.ts). */
  readonly receipts: ReceiptBook;
  /** Budgets and anomaly rules of agents' uses (use-guards.ts); absent = none. */
  readonly guards?: UseGuards;
}

export interface UseRequest {
  readonly agent: AuthenticatedAgent;
  /** http_request, run_command, or downstream:<server>. */
  readonly tool: string;
  readonly credentialName: string;
  /**
   * Set when the caller already resolved the item (a `latchkey://` reference may name it
   * by id): the use is of that item, so a title shared with another item is no ambiguity.
   */
  readonly itemId?: string;
  /** Origin, or `command: <name>` for run_command; shown in the prompt and recorded. */
  readonly destination: string;
  /** For http_request: the full URL (checked against the item's origins and policy). */
  readonly url?: URL;
  /** For http_request: the method (an item's or policy's rule may name methods). */
  readonly method?: string;
  readonly signal?: AbortSignal;
  /** Tool-specific checks of the arguments against the item (before approval or the secret). */
  readonly precheck?: (overview: CredentialOverview) => void;
  /**
   * The person at a terminal (`latchkey run` / `inject`, terminal.ts), not a paired agent:
   * agent-only policy (allowed agents and tools) does not apply, and an answer is never
   * reused — any process of the same user can reach the socket, so only a grant 'always'
   * (which the terminal cannot be given) or policy could skip the prompt.
   */
  readonly person?: boolean;
  /**
   * The request about to be made (http_request before the credential is placed; the
   * child run_command spawns; a downstream call). The approval gets a receipt for its
   * digest; for http_request the prompt shows its method, URL and size.
   */
  readonly sent?: SentPart;
}

const GRANT_TO_APPROVAL: Record<Exclude<GrantMode, 'never'>, ApprovalMode> = { ask: 'every_time', session: 'session', always: 'always' };

/** The gateway-wide checks that do not depend on a credential. */
export function checkPolicy(deps: Pick<AuthorizeDeps, 'policy'>, agent: AuthenticatedAgent, tool: string, person = false): void {
  const p = deps.policy();
  assertGatewayEnabled(p);
  if (person) return;
  assertAgentAllowed(p, agent.name);
  assertToolAllowed(p, tool);
}

/** Credentials this agent may see: all API credentials except those granted 'never'. Asks the engine now. */
export async function visibleCredentials(deps: AuthorizeDeps, agent: AuthenticatedAgent, tool: string, signal?: AbortSignal): Promise<CredentialOverview[]> {
  return [...(await visibleListing(deps, agent, tool, signal, true)).list];
}

/** As visibleCredentials; unless `fresh`, from main's copy when it holds one. Grants are always read live. */
async function visibleListing(deps: AuthorizeDeps, agent: AuthenticatedAgent, tool: string, signal: AbortSignal | undefined, fresh: boolean): Promise<Listing> {
  const read = async (): Promise<Listing> => (fresh ? { list: await deps.credentials.listCredentials(), cached: false } : deps.credentials.listCached());
  let got: Listing;
  try {
    got = await read();
  } catch (err) {
    if (!isLatchkeyError(err, 'vault_locked')) throw err;
    if (!(await deps.waitForUnlock(agent, tool, signal))) {
      throw new LatchkeyError('vault_locked', 'The Latchkey vault is locked. Ask the person to unlock Latchkey, then try again.');
    }
    got = { list: await deps.credentials.listCredentials(), cached: false };
  }
  return { list: got.list.filter((c) => deps.registry.grantMode(agent.id, c.id) !== 'never'), cached: got.cached };
}

function credentialById(list: readonly CredentialOverview[], itemId: string): CredentialOverview {
  const found = list.find((c) => c.id === itemId);
  if (found) return found;
  throw new LatchkeyError('not_found', 'That credential is no longer in the vault (or is not available to this caller).');
}

export function findCredential(list: readonly CredentialOverview[], name: string): CredentialOverview {
  const exact = list.filter((c) => c.name === name);
  if (exact.length === 1) return exact[0]!;
  const folded = list.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  if (exact.length === 0 && folded.length === 1) return folded[0]!;
  if (exact.length > 1 || folded.length > 1) {
    throw new LatchkeyError('invalid_input', `More than one credential is named "${name.slice(0, 128)}"; ask the person to rename one.`);
  }
  throw new LatchkeyError('not_found', `No credential named "${name.slice(0, 128)}" is available to this agent. Call list_credentials to see the names.`);
}

/** True when one of the item's destinations (origin, optional methods and path glob) allows this request. */
export function originAllowed(allowedOrigins: readonly string[], url: URL, method?: string): boolean {
  return itemAllows(allowedOrigins, url.href, method ?? '');
}

function assertOrigin(c: { name?: string; allowedOrigins: readonly string[] }, url: URL, method?: string): void {
  if (!originAllowed(c.allowedOrigins, url, method)) {
    throw new LatchkeyError(
      'destination_refused',
      `This credential may only be sent to ${c.allowedOrigins.length ? c.allowedOrigins.join(', ') : '(no origin yet)'}; ${method ? `${method} ` : ''}${url.origin}${url.pathname === '/' ? '' : url.pathname.slice(0, 200)} is not one of them.`,
      { origin: url.origin },
    );
  }
}

export interface Authorized {
  readonly overview: CredentialOverview;
  readonly use: CredentialUse;
  /** 'always' | 'session' | 'approved_once' … for the activity record. */
  readonly basis: string;
  /** The approval's receipt, to redeem against the request actually sent (set when `sent` was). */
  readonly receipt?: ApprovalReceipt;
  /** The credential needs a touch for each use (with UV when `uv`): redeem checks it again. */
  readonly touch: { readonly uv: boolean } | null;
  /** The budget / anomaly rule that made this use ask afresh, for its release record. */
  readonly guard: GuardFacts;
}

/**
 * The first attempt decides on main's copy of the overviews and goes through only when
 * no person needs asking (grant 'always', or approved for this session) and the engine
 * then hands out the secret. Anything else is decided again, exactly as without the copy,
 * on a listing the engine gives now: a prompt (so the person is never asked about a
 * credential, or while the vault is locked, on the strength of a stale copy), and every
 * refusal before the secret (not found, origin, grant 'never', a vault that locked on
 * idle and says so only when the secret is asked for).
 */
export async function authorizeUse(deps: AuthorizeDeps, req: UseRequest): Promise<Authorized> {
  checkPolicy(deps, req.agent, req.tool, req.person === true);
  const first = await visibleListing(deps, req.agent, req.tool, req.signal, false);
  if (first.cached) {
    let decided: Decided | null = null;
    try {
      decided = await decide(deps, req, first.list, false);
    } catch (err) {
      // A refusal decided on the copy is given only after a fresh listing confirms it (below).
      if (!(err instanceof LatchkeyError)) throw err;
    }
    if (decided !== null) {
      let use: CredentialUse | null = null;
      try {
        use = await deps.credentials.useCredential(decided.overview.id, req.agent.id);
      } catch (err) {
        // Locked (an idle lock the engine notices only now) or gone: decide again on a fresh
        // listing, which waits for the unlock as a call that found the vault locked does.
        // Anything else (the engine timed out, the connection closed) fails as it is.
        if (!isLatchkeyError(err, 'vault_locked') && !isLatchkeyError(err, 'not_found')) throw err;
      }
      // Outside the retry: a secret once fetched is never fetched a second time for the same call.
      if (use !== null) return withSecret(req, decided, use);
    }
  }
  const { list } = first.cached ? await visibleListing(deps, req.agent, req.tool, req.signal, true) : first;
  const decided = (await decide(deps, req, list, true))!;
  return withSecret(req, decided, await deps.credentials.useCredential(decided.overview.id, req.agent.id));
}

interface Decided {
  readonly overview: CredentialOverview;
  readonly basis: string;
  readonly receipt?: ApprovalReceipt;
  readonly touch: { readonly uv: boolean } | null;
  readonly gate: UseGate | null;
}

/** Credential, origin, policy, tool checks and the approval; null when a prompt is needed and `mayAsk` is false. */
async function decide(deps: AuthorizeDeps, req: UseRequest, list: readonly CredentialOverview[], mayAsk: boolean): Promise<Decided | null> {
  const overview = req.itemId !== undefined ? credentialById(list, req.itemId) : findCredential(list, req.credentialName);
  if (req.url) {
    assertOrigin(overview, req.url, req.method);
    assertDestinationAllowed(deps.policy(), req.url.href, req.method);
  }
  req.precheck?.(overview);
  const touch = touchRequirement(deps.policy(), overview.tags);
  if (touch !== null && req.sent?.tool !== 'http_request') {
    // Only a request the gateway sends itself has a digest a touch can sign.
    throw new LatchkeyError('touch_required', touchRequiredMessage(overview.name, 'other_tool'));
  }
  // Refused before the person is asked: an approval that no key can sign would be wasted on them.
  if (touch !== null && !deps.receipts.touchAvailable) {
    throw new LatchkeyError('touch_required', touchRequiredMessage(overview.name, 'no_key'));
  }
  const gate = await guardGate(deps, req, overview);
  const prepared = req.sent !== undefined ? deps.receipts.prepare({ ...req.sent, itemId: overview.id, agent: req.agent.id }) : null;
  const gated = withGate(credentialSubject(deps, req, overview), gate);
  // A touch signs one request: no standing grant stands in for it, and every answer counts once.
  const subject: GrantSubject = touch === null ? gated : { ...gated, perUse: true };
  let basis = preapproved(deps, req.agent, subject);
  if (basis === null) {
    if (!mayAsk) return null;
    const shown = req.sent?.tool === 'http_request' ? { request: promptRequest(req.sent), ...(touch !== null ? { touch: true } : {}) } : {};
    basis = await withGuardFacts(gate, () => ask(deps, req.agent, req.tool, req.destination, req.signal, subject, shown));
  }
  if (req.person !== true && !deps.registry.isActive(req.agent.id)) throw new LatchkeyError('unauthorized', 'This agent was revoked.');
  if (prepared === null) return { overview, basis, gate, touch };
  let assertion: ReceiptTouch | undefined;
  if (touch !== null) assertion = await deps.receipts.touchFor(prepared, touch.uv, req.signal);
  const receipt = deps.receipts.issue(prepared, standingGrant(deps, req.agent, overview.id, basis), assertion);
  return { overview, basis, gate, receipt, touch };
}

/** The standing grant a use went through, and when the person made it, for the receipt (`key`: an item id, or serverKey(server)). */
function standingGrant(deps: Pick<AuthorizeDeps, 'registry'>, agent: AuthenticatedAgent, key: string, basis: string): ReceiptGrant | undefined {
  if (basis !== 'always' && basis !== 'session') return undefined;
  const at = deps.registry.grantedAt(agent.id, key, basis);
  return { mode: basis, ...(at !== undefined ? { at: new Date(at).toISOString() } : {}) };
}

function withSecret(req: UseRequest, decided: Decided, use: CredentialUse): Authorized {
  // The secret's own version decides: an item edited since the listing may allow less.
  if (req.url) assertOrigin(use, req.url, req.method);
  decided.gate?.commit();
  return {
    overview: decided.overview,
    use,
    basis: decided.basis,
    guard: decided.gate?.facts ?? {},
    touch: decided.touch,
    ...(decided.receipt ? { receipt: decided.receipt } : {}),
  };
}

/** Budgets and anomaly rules: agents' uses only (the person at a terminal has no grant to budget). */
function guardGate(deps: AuthorizeDeps, req: UseRequest, c: CredentialOverview): Promise<UseGate | null> {
  if (req.person === true || deps.guards === undefined) return Promise.resolve(null);
  return deps.guards.check({
    agentId: req.agent.id,
    agentName: req.agent.name,
    itemId: c.id,
    credentialName: c.name,
    tool: req.tool,
    ...(req.url ? { url: req.url } : {}),
    ...(req.method !== undefined ? { method: req.method } : {}),
  });
}

/** A gate with a warning asks afresh, whatever the grant, and the answer counts once. */
function withGate(s: GrantSubject, gate: UseGate | null): GrantSubject {
  if (gate === null || gate.warning === null) return s;
  return {
    ...s,
    warning: [s.warning, gate.warning]
      .filter((w) => w !== null && w !== undefined)
      .join(' ')
      .slice(0, 300),
    perUse: true,
    approvedAgain: () => {
      s.approvedAgain?.();
      gate.approvedAgain();
    },
  };
}

/** A refusal at a prompt the guards raised names the budget or rule in its record. */
async function withGuardFacts<T>(gate: UseGate | null, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (gate === null || gate.warning === null || !(err instanceof LatchkeyError)) throw err;
    throw new LatchkeyError(err.code, err.message, { ...err.details, ...gate.facts });
  }
}

/** What a grant is for: one credential, or one downstream server (all its tools). */
interface GrantSubject {
  readonly mode: GrantMode;
  /** The registry's session-approval key. */
  readonly sessionKey: string;
  readonly label: string;
  readonly prompt: Pick<PendingApprovalInput, 'itemId' | 'credentialName' | 'server'>;
  remember(mode: 'always'): Promise<void>;
  /** Set: ask the person whatever the grant or session says, with this warning. */
  readonly warning?: string | null;
  /** Called once the person allowed it again. */
  approvedAgain?(): void;
  /** Set: every use is asked and every answer counts once (the terminal caller). */
  readonly perUse?: boolean;
}

type PendingApprovalInput = Parameters<AuthorizeDeps['approvals']['ask']>[0];

function credentialSubject(deps: AuthorizeDeps, req: UseRequest, c: CredentialOverview): GrantSubject {
  if (req.person === true) {
    return {
      mode: 'ask',
      sessionKey: c.id,
      label: `"${c.name}"`,
      prompt: { itemId: c.id, credentialName: c.name, server: null },
      remember: () => Promise.resolve(),
      perUse: true,
    };
  }
  return {
    mode: deps.registry.grantMode(req.agent.id, c.id),
    sessionKey: c.id,
    label: `"${c.name}"`,
    prompt: { itemId: c.id, credentialName: c.name, server: null },
    remember: (mode) => deps.registry.setGrant(req.agent.id, c.id, mode),
    warning: deps.echoes?.warning(c.id, req.destination) ?? null,
    approvedAgain: () => deps.echoes?.clear(c.id, req.destination),
  };
}

export interface ServerUseRequest {
  readonly agent: AuthenticatedAgent;
  readonly server: string;
  /** The downstream tool being called (shown in the prompt). */
  readonly tool: string;
  /** The call's arguments as they will be forwarded (the receipt hashes them). */
  readonly arguments: Readonly<Record<string, JsonValue>>;
  readonly signal?: AbortSignal;
}

/**
 * A call to a downstream server's tool: policy (downstream:<server>), then the agent's
 * grant of that server and its approval rule, exactly as for a credential. Returns the
 * basis ('always', 'session', 'approved_once', …) and a receipt for this call (server,
 * tool, arguments), to be redeemed right before the call is sent. The server's
 * credentials, if any, are authorized separately (authorizeUse) when its connection is made.
 */
export async function authorizeServerUse(deps: AuthorizeDeps, req: ServerUseRequest): Promise<{ basis: string; receipt: ApprovalReceipt }> {
  const tool = `downstream:${req.server}`;
  checkPolicy(deps, req.agent, tool);
  const prepared = deps.receipts.prepare({ tool: 'downstream', agent: req.agent.id, server: req.server, serverTool: req.tool, arguments: req.arguments });
  const basis = await approveGrant(deps, req.agent, tool, `mcp: ${req.server} · ${req.tool.slice(0, 128)}`, req.signal, {
    mode: deps.registry.serverGrantMode(req.agent.id, req.server),
    sessionKey: serverKey(req.server),
    label: `the MCP server "${req.server}"`,
    prompt: { itemId: null, credentialName: `MCP server "${req.server}"`, server: req.server },
    remember: (mode) => deps.registry.setServerGrant(req.agent.id, req.server, mode),
  });
  if (!deps.registry.isActive(req.agent.id)) throw new LatchkeyError('unauthorized', 'This agent was revoked.');
  return { basis, receipt: deps.receipts.issue(prepared, standingGrant(deps, req.agent, serverKey(req.server), basis)) };
}

async function approveGrant(deps: AuthorizeDeps, agent: AuthenticatedAgent, tool: string, destination: string, signal: AbortSignal | undefined, s: GrantSubject): Promise<string> {
  return preapproved(deps, agent, s) ?? ask(deps, agent, tool, destination, signal, s);
}

/** The basis when no one needs asking ('always', 'session'), else null. Throws for a grant 'never'. */
function preapproved(deps: Pick<AuthorizeDeps, 'policy' | 'registry'>, agent: AuthenticatedAgent, s: GrantSubject): string | null {
  if (s.mode === 'never') throw new LatchkeyError('grant_denied', `The person does not allow this agent to use ${s.label}.`);
  const p = deps.policy();
  const mode = effectiveApprovalMode(p, GRANT_TO_APPROVAL[s.mode]);
  const warning = s.warning ?? null;
  if (s.perUse === true) return null;
  if (mode === 'always' && warning === null) return 'always';
  // A "this session" answer holds for any grant below 'never', unless policy demands every time.
  if (warning === null && deps.registry.isSessionApproved(agent.id, s.sessionKey) && effectiveApprovalMode(p, 'session') === 'session') return 'session';
  return null;
}

async function ask(
  deps: AuthorizeDeps,
  agent: AuthenticatedAgent,
  tool: string,
  destination: string,
  signal: AbortSignal | undefined,
  s: GrantSubject,
  shown: Pick<PendingApprovalInput, 'request' | 'touch'> = {},
): Promise<string> {
  const p = deps.policy();
  const warning = s.warning ?? null;
  const answer = await deps.approvals.ask({ agentId: agent.id, agentName: agent.name, ...s.prompt, tool, destination, ...shown, ...(warning !== null ? { warning } : {}) }, signal);
  if (answer === 'deny') throw new LatchkeyError('approval_denied', `The person declined this use of ${s.label}.`);
  s.approvedAgain?.();
  if (answer === 'once' || s.perUse === true) return 'approved_once';
  if (answer === 'always') {
    try {
      assertApprovalModeAllowed(p, 'always');
      await s.remember('always');
      return 'approved_always';
    } catch (err) {
      if (!isLatchkeyError(err, 'policy_forbidden')) throw err;
      // Policy's floor forbids remembering: honour the strongest answer it permits.
    }
  }
  if (effectiveApprovalMode(p, 'session') === 'session') {
    deps.registry.approveForSession(agent.id, s.sessionKey);
    return 'approved_session';
  }
  return 'approved_once';
}
