/**
 * Paired agents and their grants, persisted through a GatewayStore. Session approvals
 * ("allow for this session") live only in memory and are cleared when the vault locks.
 */
import { randomBytes } from 'node:crypto';
import { LatchkeyError } from '../../shared/errors';
import type { ApprovalKey } from '../../shared/contracts/approval-receipt';
import type { AgentClient, AgentSummary, GrantMode } from '../../shared/contracts/gateway';
import type { GatewayStore } from './ports';
import type { GuardState, GuardStateHolder } from './guard-state';
import { emptyGatewayState, gatewayStateSchema, type GatewayState, type StoredAgent } from './store';
import { findTokenHash, hashToken, newToken } from './tokens';

export interface AuthenticatedAgent {
  readonly id: string;
  readonly name: string;
}

/**
 * A call's last-use time reaches the state file at most this long after it happened (or
 * at close, or with the next change that saves anyway); the UI reads it from memory at
 * once. Saving on every call wrote the whole file (mkdir, write, chmod, rename) per call.
 */
const LAST_USED_SAVE_DELAY_MS = 10_000;

export class Registry implements GuardStateHolder {
  private state: GatewayState = emptyGatewayState();
  /** key(agentId, itemId) → mode, kept in step with state.grants: a call reads it once per credential. */
  private grantIndex = new Map<string, GrantMode>();
  /** key → when the person approved it for this session (ms). */
  private readonly sessionApproved = new Map<string, number>();
  private saving: Promise<void> = Promise.resolve();
  private lastUsedTimer: ReturnType<typeof setTimeout> | null = null;

  private constructor(
    private readonly store: GatewayStore,
    private readonly tokenKey: Uint8Array,
    private readonly now: () => number,
  ) {}

  static async open(store: GatewayStore, tokenKey: Uint8Array, now: () => number): Promise<Registry> {
    const r = new Registry(store, tokenKey, now);
    const raw = await store.load();
    if (raw !== null && raw !== undefined) {
      const parsed = gatewayStateSchema.safeParse(raw);
      // Fail closed: a damaged state file must not silently drop revocations.
      if (!parsed.success) throw new LatchkeyError('integrity', 'The gateway state file is damaged; remove it to pair agents again.');
      r.state = parsed.data;
    }
    // The first entry for a pair wins, as a search of the list would find it.
    for (const g of r.state.grants) if (!r.grantIndex.has(key(g.agentId, g.itemId))) r.grantIndex.set(key(g.agentId, g.itemId), g.mode);
    return r;
  }

  private persist(): Promise<void> {
    // This save carries every pending last-use time too.
    if (this.lastUsedTimer !== null) {
      clearTimeout(this.lastUsedTimer);
      this.lastUsedTimer = null;
    }
    const snapshot = structuredClone(this.state);
    this.saving = this.saving.then(() => this.store.save(snapshot));
    return this.saving;
  }

  // ------------------------------------------------------------ agents

  listAgents(): AgentSummary[] {
    return this.state.agents.map(summary);
  }

  getAgent(agentId: string): StoredAgent {
    const a = this.state.agents.find((x) => x.id === agentId);
    if (!a) throw new LatchkeyError('not_found', 'No paired agent has this id.', { agentId });
    return a;
  }

  async pair(name: string, client: AgentClient): Promise<{ agent: AgentSummary; token: string }> {
    const token = newToken();
    const t = this.now();
    const agent: StoredAgent = {
      id: randomBytes(12).toString('base64url'),
      name: name.trim(),
      client,
      createdAt: t,
      tokenIssuedAt: t,
      lastUsedAt: null,
      revoked: false,
      stoppedAt: null,
      tokenHash: hashToken(this.tokenKey, token),
    };
    this.state.agents.push(agent);
    await this.persist();
    return { agent: summary(agent), token };
  }

  async rotate(agentId: string): Promise<{ agent: AgentSummary; token: string }> {
    const a = this.getAgent(agentId);
    if (a.revoked) throw new LatchkeyError('forbidden', 'A revoked agent cannot get a new token; pair it again.', { agentId });
    const token = newToken();
    a.tokenHash = hashToken(this.tokenKey, token);
    a.tokenIssuedAt = this.now();
    await this.persist();
    return { agent: summary(a), token };
  }

  async revoke(agentId: string): Promise<void> {
    const a = this.getAgent(agentId);
    a.revoked = true;
    a.tokenHash = '';
    this.clearSessionFor(agentId);
    await this.persist();
  }

  /** Forgets a revoked agent and its grants (its activity entries carry their own name). */
  async remove(agentId: string): Promise<void> {
    const a = this.getAgent(agentId);
    if (!a.revoked) throw new LatchkeyError('forbidden', 'Revoke this agent before removing it.', { agentId });
    this.state.agents = this.state.agents.filter((x) => x.id !== agentId);
    this.state.grants = this.state.grants.filter((g) => g.agentId !== agentId);
    this.state.serverGrants = this.state.serverGrants.filter((g) => g.agentId !== agentId);
    this.state.guards.budgets = this.state.guards.budgets.filter((b) => b.agentId !== agentId);
    this.state.guards.usage = this.state.guards.usage.filter((u) => u.agentId !== agentId);
    for (const k of [...this.grantIndex.keys()]) if (k.startsWith(`${agentId}/`)) this.grantIndex.delete(k);
    await this.persist();
  }

  /**
   * Stops the agent (a canary trip). The in-memory flag is set before the save starts,
   * so the very next call is refused even while the file is being written.
   */
  async stop(agentId: string): Promise<void> {
    const a = this.state.agents.find((x) => x.id === agentId);
    if (!a || a.stoppedAt !== null) return;
    a.stoppedAt = this.now();
    await this.persist();
  }

  isStopped(agentId: string): boolean {
    return (this.state.agents.find((x) => x.id === agentId)?.stoppedAt ?? null) !== null;
  }

  /** Lets a stopped agent call tools again; false when it was not stopped (nothing saved). */
  async restore(agentId: string): Promise<boolean> {
    const a = this.getAgent(agentId);
    if (a.stoppedAt === null) return false;
    a.stoppedAt = null;
    await this.persist();
    return true;
  }

  /** The agent a bearer token belongs to, or null (unknown, malformed or revoked). */
  authenticate(token: string): AuthenticatedAgent | null {
    const agents = this.state.agents;
    const idx = findTokenHash(
      this.tokenKey,
      token,
      agents.map((a) => a.tokenHash),
    );
    if (idx < 0) return null;
    const a = agents[idx]!;
    if (a.revoked) return null;
    return { id: a.id, name: a.name };
  }

  /** Still paired and not revoked (checked again at each call: revocation is immediate). */
  isActive(agentId: string): boolean {
    const a = this.state.agents.find((x) => x.id === agentId);
    return a !== undefined && !a.revoked;
  }

  markUsed(agentId: string): void {
    const a = this.state.agents.find((x) => x.id === agentId);
    if (!a) return;
    a.lastUsedAt = this.now();
    this.saveSoon();
  }

  guards(): GuardState {
    return this.state.guards;
  }

  saveGuards(): Promise<void> {
    return this.persist();
  }

  saveGuardsSoon(): void {
    this.saveSoon();
  }

  private saveSoon(): void {
    if (this.lastUsedTimer !== null) return;
    this.lastUsedTimer = setTimeout(() => {
      this.lastUsedTimer = null;
      // Best effort: last-use time is informational and must not fail a call.
      void this.persist().catch(() => undefined);
    }, LAST_USED_SAVE_DELAY_MS);
    // A pending last-use save must not keep the process alive; close() flushes it.
    this.lastUsedTimer.unref?.();
  }

  // ------------------------------------------------------------ grants

  /** The stored mode; a credential with no grant is 'ask'. */
  grantMode(agentId: string, itemId: string): GrantMode {
    return this.grantIndex.get(key(agentId, itemId)) ?? 'ask';
  }

  async setGrant(agentId: string, itemId: string, mode: GrantMode): Promise<void> {
    this.getAgent(agentId);
    this.state.grants = this.state.grants.filter((g) => !(g.agentId === agentId && g.itemId === itemId));
    if (mode !== 'ask') this.state.grants.push({ agentId, itemId, mode, at: this.now() });
    if (mode === 'ask') this.grantIndex.delete(key(agentId, itemId));
    else this.grantIndex.set(key(agentId, itemId), mode);
    if (mode === 'never' || mode === 'ask') this.sessionApproved.delete(key(agentId, itemId));
    await this.persist();
  }

  /** The stored mode of a downstream server for this agent; no grant is 'ask'. */
  serverGrantMode(agentId: string, server: string): GrantMode {
    return this.state.serverGrants.find((g) => g.agentId === agentId && g.server === server)?.mode ?? 'ask';
  }

  async setServerGrant(agentId: string, server: string, mode: GrantMode): Promise<void> {
    this.getAgent(agentId);
    this.state.serverGrants = this.state.serverGrants.filter((g) => !(g.agentId === agentId && g.server === server));
    if (mode !== 'ask') this.state.serverGrants.push({ agentId, server, mode });
    if (mode === 'never' || mode === 'ask') this.sessionApproved.delete(key(agentId, serverKey(server)));
    await this.persist();
  }

  isSessionApproved(agentId: string, itemId: string): boolean {
    return this.sessionApproved.has(key(agentId, itemId));
  }

  approveForSession(agentId: string, itemId: string): void {
    this.sessionApproved.set(key(agentId, itemId), this.now());
  }

  /** When the person made the standing grant a use goes through (for its receipt); undefined when not known. */
  grantedAt(agentId: string, itemId: string, mode: 'session' | 'always'): number | undefined {
    if (mode === 'session') return this.sessionApproved.get(key(agentId, itemId));
    return this.state.grants.find((g) => g.agentId === agentId && g.itemId === itemId)?.at;
  }

  // ------------------------------------------------------------ approval keys

  /** Security keys enrolled to approve requests, oldest first. */
  approvalKeys(): readonly ApprovalKey[] {
    return ('approvalKeys' in this.state ? this.state.approvalKeys : undefined) ?? [];
  }

  /** Keeps a key enrolled to approve requests (after its approval_key.add record was signed). */
  async addApprovalKey(k: ApprovalKey): Promise<void> {
    const keys = this.approvalKeys();
    if (keys.some((x) => x.credentialId === k.credentialId)) return;
    if (keys.length >= 16) throw new LatchkeyError('invalid_input', 'At most 16 security keys can be enrolled to approve requests; remove one first.');
    // Older files read without the member (store.ts); it is written from here on.
    (this.state as { approvalKeys?: ApprovalKey[] }).approvalKeys = [...keys, k];
    await this.persist();
  }

  /** Vault locked: every "this session" approval ends. */
  clearSessions(): void {
    this.sessionApproved.clear();
  }

  private clearSessionFor(agentId: string): void {
    for (const k of [...this.sessionApproved.keys()]) if (k.startsWith(`${agentId}/`)) this.sessionApproved.delete(k);
  }

  /** Waits for every save, writing a pending last-use time now. */
  flush(): Promise<void> {
    return this.lastUsedTimer !== null ? this.persist() : this.saving;
  }
}

/** Session-approval key of a server: ':' never occurs in an item id (base64url), so the two cannot meet. */
export function serverKey(server: string): string {
  return `server:${server}`;
}

function key(agentId: string, itemId: string): string {
  return `${agentId}/${itemId}`;
}

function summary(a: StoredAgent): AgentSummary {
  return {
    id: a.id,
    name: a.name,
    client: a.client,
    createdAt: a.createdAt,
    tokenIssuedAt: a.tokenIssuedAt,
    lastUsedAt: a.lastUsedAt,
    revoked: a.revoked,
    stoppedAt: a.stoppedAt,
  };
}
