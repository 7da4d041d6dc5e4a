/**
 * Connections to downstream MCP servers, one per (agent, server), made with the SDK's
 * Client. Every call first goes through the agent's grant of the SERVER and its
 * approval rule (authorizeServerUse: policy `downstream:<server>`, then ask / session /
 * always / never), with or without credentials; a server granted 'never' is not even
 * listed. That use is signed into the audit log before the tool runs (no record, no
 * use), and its outcome after. Every list or call also authorizes each of the server's credentials for
 * this agent (grant, approval), exactly like a built-in tool; a connection whose secrets changed since it was made (item edited) is
 * replaced. Connections end when the vault locks, the agent is revoked or the gateway
 * closes. Everything a downstream server returns goes through the echo guard (its own
 * credentials) and the one result path of the built-in tools (vault scrub, canaries,
 * DLP: screen-result.ts), every string of the whole result (keys too, base64 blobs
 * decoded) in one 'results.scrub' call.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { JsonValue } from '../../../core/audit/jcs';
import { auditNameTokenSchema } from '../../../shared/contracts/audit-event';
import { LatchkeyError } from '../../../shared/errors';
import { resolveChecked } from '../../egress/request';
import { authorizeServerUse, authorizeUse, checkPolicy } from '../authorize';
import { inject } from '../inject';
import type { AuthenticatedAgent } from '../registry';
import { guardCanaryUse, refuseCanary } from '../tools/canary';
import type { CredentialRelease, ResultSource, ToolContext } from '../tools/context';
import { dlpBlockNote, screenTexts } from '../tools/screen';
import { holdsSecret } from '../tools/echo-guard';
import { resultTexts, screenResult } from './screen-result';
import { NAMESPACE_SEPARATOR, type DownstreamServerConfig } from './config';

const PASS_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TEMP', 'TMP', 'SystemRoot', 'ComSpec', 'PATHEXT'];
const CALL_TIMEOUT_MS = 60_000;

interface Connection {
  readonly client: Client;
  readonly fingerprint: string;
}

/** The server's credentials released for this list or call: what the echo guard looks for. */
type Released = ReadonlyArray<{ readonly release: CredentialRelease; readonly secret: string }>;

const ECHO_NOTE =
  'The server sent one of its own credentials back in its result (in some form), so Latchkey withheld the result. The next use of this credential with this server needs the person to approve it again.';

/** What the dispatcher records as the call's outcome (Activity): the real one, not `success` when the gateway withheld. */
export type DownstreamOutcome =
  { readonly outcome: 'success'; readonly reason: null } | { readonly outcome: 'failure'; readonly reason: 'echo_detected' | 'dlp_blocked' | 'content_withheld' };

export interface DownstreamTool {
  name: string;
  description: string;
  inputSchema: { type: 'object'; [k: string]: unknown };
}

export class DownstreamManager {
  private readonly conns = new Map<string, Connection>();
  private servers: readonly DownstreamServerConfig[];

  constructor(
    servers: readonly DownstreamServerConfig[],
    private readonly ctx: ToolContext,
  ) {
    this.servers = servers;
  }

  has(server: string): boolean {
    return this.servers.some((s) => s.name === server);
  }

  list(): readonly DownstreamServerConfig[] {
    return this.servers;
  }

  /**
   * Replaces the configured servers (the vault's list changed, or it locked). The
   * processes and connections of a server that is gone or whose config changed end now:
   * a removed server must not keep running with the secrets it was given.
   */
  async setServers(next: readonly DownstreamServerConfig[]): Promise<void> {
    const keep = new Set(next.filter((n) => this.servers.some((o) => o.name === n.name && JSON.stringify(o) === JSON.stringify(n))).map((n) => n.name));
    this.servers = next;
    for (const [k, c] of [...this.conns]) {
      if (keep.has(k.slice(k.lastIndexOf('/') + 1))) continue;
      this.conns.delete(k);
      await c.client.close().catch(() => undefined);
    }
  }

  /** How many connections (one per agent and server) are open now. */
  get openConnections(): number {
    return this.conns.size;
  }

  /** Tools of every server this agent may use now; a server that refuses (or fails) is left out. */
  async listTools(agent: AuthenticatedAgent, signal?: AbortSignal, onRefused?: (server: string, err: unknown) => void): Promise<DownstreamTool[]> {
    const out: DownstreamTool[] = [];
    for (const s of this.servers) {
      // 'never' hides the server entirely; no process is started for it.
      if (this.ctx.registry.serverGrantMode(agent.id, s.name) === 'never') continue;
      try {
        const { conn } = await this.connection(agent, s, signal);
        const { tools } = await conn.client.listTools(undefined, { timeout: CALL_TIMEOUT_MS, ...(signal ? { signal } : {}) });
        const listed = tools.map((t) => ({
          name: `${s.name}${NAMESPACE_SEPARATOR}${t.name}`.slice(0, 128),
          description: `[${s.name}] ${t.description ?? ''}`,
          inputSchema: t.inputSchema,
        }));
        // A listing is a downstream response like any result: the one result path (vault
        // scrub, canaries, DLP) in one call; a DLP block leaves the server out.
        const source = { tool: `downstream:${s.name}`, destination: `mcp: ${s.name}`, audit: { tool: 'downstream', server: s.name } } as const;
        out.push(...((await screenDeep(this.ctx, agent, source, listed)) as DownstreamTool[]));
      } catch (err) {
        onRefused?.(s.name, err);
      }
    }
    return out;
  }

  async call(
    agent: AuthenticatedAgent,
    server: string,
    tool: string,
    args: Record<string, unknown> | undefined,
    signal?: AbortSignal,
  ): Promise<{ result: Record<string, unknown>; credentialName: string | null; itemId: string | null; status: DownstreamOutcome }> {
    const s = this.servers.find((x) => x.name === server);
    if (!s) throw new LatchkeyError('not_found', `No downstream server named "${server.slice(0, 32)}".`);
    // Results are scrubbed by the engine: a call made while locked would run the tool
    // (side effects and all) and then fail to return. Wait for the person first.
    if ((await this.ctx.credentials.state()) !== 'unlocked' && !(await this.ctx.waitForUnlock(agent, `downstream:${s.name}`, signal))) {
      throw new LatchkeyError('vault_locked', 'The Latchkey vault is locked. Ask the person to unlock Latchkey, then try again.');
    }
    // The record names the tool (target.serverTool) and the receipt binds that name: one that cannot be recorded is not called.
    if (!auditNameTokenSchema.safeParse(tool).success) {
      throw new LatchkeyError('invalid_input', 'Latchkey can only forward a tool whose name is letters, digits, _ . + or - (at most 64 characters).');
    }
    // The arguments exactly as they will be forwarded: one copy, hashed for the receipts and sent.
    const callArgs = (args ?? {}) as Record<string, JsonValue>;
    const call = { serverTool: tool, arguments: callArgs } as const;
    // The server's own grant first: no credential is fetched and no process started for a refused call.
    const approved = await authorizeServerUse(this.ctx, { agent, server: s.name, tool, arguments: callArgs, ...(signal ? { signal } : {}) });
    const { conn, released } = await this.connection(agent, s, signal, call);
    // Right before the call is sent: the receipt is redeemed against the server, tool and
    // arguments forwarded, and the server use is signed (no record, no use; if it cannot
    // be, this throws audit_unavailable and the server never sees the call). The
    // dispatcher signs the outcome after it ran.
    const receipt = this.ctx.receipts.redeem(approved.receipt, { tool: 'downstream', agent: agent.id, server: s.name, ...call }, null);
    await this.ctx.recordRelease(agent, {
      label: `downstream:${s.name}`,
      itemId: null,
      credentialName: null,
      destination: `mcp: ${s.name}`,
      basis: approved.basis,
      audit: { tool: 'downstream', server: s.name, serverTool: tool },
      receipt,
    });
    const result = await conn.client.callTool({ name: tool, ...(args ? { arguments: callArgs } : {}) }, { timeout: CALL_TIMEOUT_MS, ...(signal ? { signal } : {}) });
    const credentialName = s.credentials.map((c) => c.credential).join(', ') || null;
    const source = { tool: `downstream:${s.name}`, destination: `mcp: ${s.name}`, audit: { tool: 'downstream', server: s.name, serverTool: tool } } as const;
    // The echo guard: the server's own credential in its result (any form, blobs decoded).
    const texts = resultTexts(result).map((text) => ({ text }));
    const echoes = released.filter((r) => holdsSecret(r.secret, texts));
    if (echoes.length > 0) {
      for (const e of echoes) {
        await this.ctx.recordGuard(agent, e.release, 'echo_detected');
        if (e.release.itemId !== null) this.ctx.echoes.mark(e.release.itemId, e.release.destination);
      }
      return { result: { content: [{ type: 'text', text: ECHO_NOTE }], isError: true }, credentialName, itemId: null, status: { outcome: 'failure', reason: 'echo_detected' } };
    }
    const screened = await screenResult(this.ctx, agent, source, result);
    if (screened.withheld > 0) await this.ctx.recordFinding(agent, source, 'content_withheld');
    const status: DownstreamOutcome = screened.blocked
      ? { outcome: 'failure', reason: 'dlp_blocked' }
      : screened.withheld > 0
        ? { outcome: 'failure', reason: 'content_withheld' }
        : { outcome: 'success', reason: null };
    return { result: screened.result, credentialName, itemId: null, status };
  }

  async closeAll(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(all.map((c) => c.client.close().catch(() => undefined)));
  }

  /** Closes this agent's connections (to one server, or all). */
  async closeForAgent(agentId: string, server?: string): Promise<void> {
    for (const [k, c] of [...this.conns]) {
      if (server === undefined ? k.startsWith(`${agentId}/`) : k === `${agentId}/${server}`) {
        this.conns.delete(k);
        await c.client.close().catch(() => undefined);
      }
    }
  }

  /**
   * `call`: the tool call this connection is made or re-used for; each credential's
   * release then carries a receipt for that call, redeemed right before the secret is
   * given to the server. A listing has no call, and its releases no receipt.
   */
  private async connection(
    agent: AuthenticatedAgent,
    s: DownstreamServerConfig,
    signal?: AbortSignal,
    call?: { readonly serverTool: string; readonly arguments: Readonly<Record<string, JsonValue>> },
  ): Promise<{ conn: Connection; released: Released }> {
    const tool = `downstream:${s.name}`;
    checkPolicy(this.ctx, agent, tool);
    const url = s.transport.type === 'http' ? new URL(s.transport.url) : undefined;
    const destination = url ? url.origin : `mcp: ${s.name}`;
    const uses = [];
    const released: Array<{ release: CredentialRelease; secret: string }> = [];
    const audit = { tool: 'downstream', server: s.name, origin: url?.origin ?? null } as const;
    for (const c of s.credentials) {
      const sent = call ? ({ tool: 'downstream', server: s.name, ...call } as const) : undefined;
      const u = await guardCanaryUse(this.ctx.canary, agent, { tool, destination, audit }, () =>
        authorizeUse(this.ctx, {
          agent,
          tool,
          credentialName: c.credential,
          ...(c.itemId === undefined ? {} : { itemId: c.itemId }),
          destination,
          precheck: refuseCanary,
          ...(url ? { url } : {}),
          ...(sent ? { sent } : {}),
          ...(signal ? { signal } : {}),
        }),
      );
      const receipt = sent && u.receipt ? this.ctx.receipts.redeem(u.receipt, { ...sent, itemId: u.overview.id, agent: agent.id }, u.touch) : undefined;
      if (sent && receipt === undefined) throw new LatchkeyError('internal', 'The approval carried no receipt; nothing was sent.');
      // No record, no use: signed before the secret reaches the server (env or request headers), on every list and call.
      const release: CredentialRelease = {
        label: tool,
        itemId: u.overview.id,
        credentialName: u.overview.name,
        destination,
        basis: u.basis,
        audit: { ...audit, ...(call ? { serverTool: call.serverTool } : {}), ...u.guard },
        ...(receipt ? { receipt } : {}),
      };
      await this.ctx.recordRelease(agent, release);
      released.push({ release, secret: u.use.secret });
      uses.push({ c, ...u });
    }
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([s, uses.map((u) => [u.use.id, u.use.version, u.use.secret])]))
      .digest('hex');
    const key = `${agent.id}/${s.name}`;
    const existing = this.conns.get(key);
    if (existing && existing.fingerprint === fingerprint) return { conn: existing, released };
    if (existing) {
      this.conns.delete(key);
      await existing.client.close().catch(() => undefined);
    }
    const client = new Client({ name: 'latchkey-gateway', version: '0.1.0' });
    if (s.transport.type === 'stdio') {
      const env: Record<string, string> = {};
      for (const k of PASS_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
      for (const u of uses) env[u.c.env!] = u.use.secret;
      await client.connect(
        new StdioClientTransport({ command: s.transport.command, args: s.transport.args, env, stderr: 'ignore', ...(s.transport.cwd ? { cwd: s.transport.cwd } : {}) }),
      );
    } else {
      let target = url!;
      let headers: Record<string, string> = {};
      for (const u of uses) {
        if (u.c.header !== undefined) headers = { ...headers, [u.c.header]: u.use.secret };
        else ({ url: target, headers } = inject(u.use.injection, u.use.secret, target, headers));
      }
      // Address check before connecting (the SDK's fetch does its own lookup: not pinned, see docs).
      await resolveChecked(target, { resolver: this.ctx.resolver, allowNonPublicLiteral: isIP(target.hostname.replace(/^\[|\]$/g, '')) !== 0 });
      await client.connect(new StreamableHTTPClientTransport(target, { requestInit: { headers, redirect: 'error' } }));
    }
    // The list may have changed while this one connected (a removal, a lock): never keep a stale server running.
    const now = this.servers.find((x) => x.name === s.name);
    if (now === undefined || JSON.stringify(now) !== JSON.stringify(s)) {
      await client.close().catch(() => undefined);
      throw new LatchkeyError('not_found', `The MCP server "${s.name}" was removed or changed; try again.`);
    }
    const conn: Connection = { client, fingerprint };
    this.conns.set(key, conn);
    return { conn, released };
  }
}

/**
 * Every string in a JSON-like value (keys too: a server could echo a secret as a key)
 * through screenTexts in ONE call, structure kept. Collection and rebuild walk the value
 * in the same order (array order, Object.entries order). A DLP block throws
 * `forbidden`: the caller leaves the whole value out.
 */
export async function screenDeep(ctx: ToolContext, agent: AuthenticatedAgent, source: ResultSource, value: unknown): Promise<unknown> {
  const texts: string[] = [];
  walk(value, (s) => {
    texts.push(s);
    return s;
  });
  const screened = await screenTexts(ctx, agent, source, texts);
  if (screened.blocked !== null) throw new LatchkeyError('forbidden', dlpBlockNote(screened.blocked));
  let i = 0;
  return walk(value, () => screened.texts[i++]!);
}

function walk(value: unknown, map: (s: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, map));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty: a "__proto__" key stays a plain key.
      Object.defineProperty(out, map(k), { value: walk(v, map), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
