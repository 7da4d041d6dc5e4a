/**
 * Real parts for the gateway tests: an in-memory vault implementing CredentialSource
 * (with lock/unlock events, scrubbing with the engine's own src/core/scrub Scrubber), the real signed audit log (in memory), a real gateway listening on
 * 127.0.0.1 (port 0), an approver that answers prompts as a test says, a test API
 * (node:http on 127.0.0.1) that checks and echoes what it received, and the SDK's own
 * Client over Streamable HTTP.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MemoryAuditStore, createAuditLog, createEd25519Signer, generateEd25519SecretKey, type AuditLog, type AuditRecord } from '../../../src/core/audit';
import { personalPolicy } from '../../../src/core/policy';
import { Scrubber } from '../../../src/core/scrub/scrubber';
import { scrubParamsSchema, type AuditEvent, type CredentialOverview, type CredentialUse, type VaultState } from '../../../src/shared/contracts/engine';
import type { ApprovalAnswer, PendingApproval } from '../../../src/shared/contracts/gateway';
import { LatchkeyError } from '../../../src/shared/errors';
import type { InjectionRule } from '../../../src/shared/items';
import { DEFAULT_PERSONAL_SETTINGS, type EffectivePolicy } from '../../../src/shared/policy';
import { createGateway, createMemoryGatewayStore, type CredentialSource, type Gateway, type GatewayOptions } from '../../../src/main/gateway';

export function itemId(): string {
  return randomBytes(16).toString('base64url');
}

export interface TestCredential {
  id: string;
  name: string;
  description: string;
  injection: InjectionRule;
  allowedOrigins: string[];
  secret: string;
  fields?: Record<string, string>;
}

export class MemoryVault implements CredentialSource {
  locked = false;
  useCount = 0;
  /** How many times main asked for the listing ('credentials.list'). */
  listCount = 0;
  /** Concealed values of non-API items (logins…): scrubbed too, never injectable. */
  otherSecrets: string[] = [];
  private readonly lockH = new Set<() => void>();
  private readonly unlockH = new Set<() => void>();
  private readonly changeH = new Set<() => void>();
  constructor(public credentials: TestCredential[]) {}

  async state(): Promise<VaultState> {
    this.touch();
    return this.locked ? 'locked' : 'unlocked';
  }
  async listCredentials(): Promise<CredentialOverview[]> {
    this.touch();
    if (this.locked) throw new LatchkeyError('vault_locked', 'locked');
    this.listCount++;
    return this.credentials.map((c) => ({ id: c.id, name: c.name, description: c.description, injection: c.injection, allowedOrigins: c.allowedOrigins, updatedAt: 1 }));
  }
  /** When set, 'credentials.use' fails with it (after counting the attempt in useAttempts). */
  failUse: LatchkeyError | null = null;
  useAttempts = 0;
  async useCredential(id: string): Promise<CredentialUse> {
    this.touch();
    this.useAttempts++;
    if (this.failUse) throw this.failUse;
    if (this.locked) throw new LatchkeyError('vault_locked', 'locked');
    const c = this.credentials.find((x) => x.id === id);
    if (!c) throw new LatchkeyError('not_found', 'no such credential');
    this.useCount++;
    return { id: c.id, version: 1, injection: c.injection, allowedOrigins: c.allowedOrigins, secret: c.secret, fields: c.fields ?? {} };
  }
  /** How many 'results.scrub' calls the gateway made, and their texts. */
  scrubCalls: string[][] = [];
  /** Like the engine: every concealed value, matched by the same Scrubber; rebuilt per call (tests are small). */
  async scrub(texts: string[], truncated?: boolean[]): Promise<string[]> {
    this.touch();
    if (this.locked) throw new LatchkeyError('vault_locked', 'locked');
    // The engine's own bounds: a call the engine would refuse fails here too.
    scrubParamsSchema.parse({ texts, ...(truncated ? { truncated } : {}) });
    this.scrubCalls.push([...texts]);
    const scrubber = new Scrubber([...this.credentials.flatMap((c) => [c.secret, ...Object.values(c.fields ?? {})]), ...this.otherSecrets]);
    return texts.map((t, i) => scrubber.scrub(t, { truncated: truncated?.[i] === true }));
  }
  onLocked(h: () => void) {
    this.lockH.add(h);
    return () => this.lockH.delete(h);
  }
  onUnlocked(h: () => void) {
    this.unlockH.add(h);
    return () => this.unlockH.delete(h);
  }
  onCredentialsChanged(h: () => void) {
    this.changeH.add(h);
    return () => this.changeH.delete(h);
  }
  lock(): void {
    this.locked = true;
    for (const h of this.lockH) h();
  }
  unlock(): void {
    this.locked = false;
    for (const h of this.unlockH) h();
  }
  /** An item edit as the engine makes it: the change, then its credentialsChanged event. */
  edit(change: (credentials: TestCredential[]) => void): void {
    change(this.credentials);
    for (const h of this.changeH) h();
  }
  /**
   * The engine's idle lock as a call finds it after the machine slept: the idle time is
   * over but the timer has not run yet, so the engine locks (and emits 'locked') on the
   * next access, whichever call that is.
   */
  idleLockDue(): void {
    this.idleDue = true;
  }
  private idleDue = false;
  /** Like the engine's checkIdle(), first thing in every call. */
  private touch(): void {
    if (!this.idleDue) return;
    this.idleDue = false;
    this.lock();
  }
}

/**
 * The gateway's audit seam, backed by the REAL signed log (AuditLog over an in-memory
 * store, real Ed25519 signer): an event the record schema refuses fails here exactly
 * as it fails in the app (the double that accepted anything hid issue 9's 0 records).
 * `failing` makes the store refuse writes, as a full or closed store does.
 */
export class SignedAudit {
  readonly store = new MemoryAuditStore();
  /** Always format v3: AuditLog writes nothing else. */
  readonly records: Array<Extract<AuditRecord, { v: 3 }>> = [];
  failing = false;
  private readonly log: AuditLog;
  constructor() {
    const store = this.store;
    this.log = createAuditLog({
      store: {
        last: () => store.last(),
        range: (from, limit) => store.range(from, limit),
        uploadedThrough: () => store.uploadedThrough(),
        setUploadedThrough: (seq) => store.setUploadedThrough(seq),
        addSeal: (seal) => store.addSeal(seal),
        lastSeal: () => store.lastSeal(),
        seals: (from, to) => store.seals(from, to),
        add: async (r) => {
          if (this.failing) throw new LatchkeyError('internal', 'The audit store is full.');
          await store.add(r);
        },
      },
      signer: createEd25519Signer(generateEd25519SecretKey()),
      deviceId: 'gateway-test-device',
    });
  }
  /** The signed records' event parts, in order. */
  get events(): Array<Extract<AuditRecord, { v: 3 }>> {
    return this.records;
  }
  async append(e: AuditEvent): Promise<void> {
    const r = await this.log.append(e);
    if (r.v !== 3) throw new Error('AuditLog wrote a record that is not format v3');
    this.records.push(r);
  }
}

export type Answerer = (p: PendingApproval) => ApprovalAnswer | null;

export interface Harness {
  gateway: Gateway;
  vault: MemoryVault;
  audit: SignedAudit;
  url: string;
  socketPath: string | null;
  prompts: PendingApproval[];
  /** How prompts are answered; null leaves them pending (for timeouts). Default: 'once'. */
  answer: Answerer;
  policy: EffectivePolicy;
  pair(name?: string): Promise<{ id: string; token: string }>;
  connect(token: string): Promise<Client>;
  close(): Promise<void>;
}

export async function startHarness(creds: TestCredential[], options: Partial<GatewayOptions> & { socket?: boolean; runCommand?: boolean } = {}): Promise<Harness> {
  const vault = new MemoryVault(creds);
  const audit = new SignedAudit();
  const { socket, runCommand, ...gatewayOptions } = options;
  const h: Partial<Harness> & { policy: EffectivePolicy; prompts: PendingApproval[]; answer: Answerer } = {
    policy: personalPolicy({ ...DEFAULT_PERSONAL_SETTINGS, runCommandEnabled: runCommand ?? false }),
    prompts: [],
    answer: () => 'once',
  };
  const socketPath = socket ? path.join(mkdtempSync(path.join(os.tmpdir(), 'lk-gw-')), 'run', 'gateway.sock') : null;
  const gateway = await createGateway({
    credentials: vault,
    audit,
    store: createMemoryGatewayStore(),
    tokenKey: randomBytes(32),
    policy: () => h.policy,
    options: { port: 0, socketPath, approvalTimeoutMs: 2_000, unlockWaitMs: 0, ...gatewayOptions },
  });
  gateway.subscribe((event, payload) => {
    if (event !== 'approval-requested') return;
    const p = payload as PendingApproval;
    h.prompts.push(p);
    const a = h.answer(p);
    if (a !== null) queueMicrotask(() => void gateway.uiHandlers['approvals.answer']({ approvalId: p.id, answer: a }, {} as never));
  });
  const status = await gateway.start();
  const clients: Client[] = [];
  Object.assign(h, {
    gateway,
    vault,
    audit,
    url: status.url!,
    socketPath: status.socketPath,
    async pair(name = 'Test agent') {
      const r = await gateway.uiHandlers['agents.pair']({ name, client: 'claude_code' }, {} as never);
      return { id: r.agent.id, token: r.token };
    },
    async connect(token: string) {
      const client = new Client({ name: 'test-agent', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(status.url!), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) await c.close().catch(() => undefined);
      await gateway.close();
    },
  });
  return h as Harness;
}

/** Calls a tool and returns its text and error flag. */
export async function call(client: Client, name: string, args: Record<string, unknown>): Promise<{ text: string; isError: boolean }> {
  const r = await client.callTool({ name, arguments: args });
  const content = r.content as Array<{ type: string; text?: string }>;
  return { text: content.map((c) => c.text ?? '').join(''), isError: r.isError === true };
}

export function errorCode(text: string): string | null {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- raw MCP POSTs

export interface RawReply {
  status: number;
  type: string;
  length?: string;
  text: string;
}

/** A 2025-era client's headers (token added by postRaw when given). */
export const RAW_2025_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };

/**
 * One POST to the gateway's MCP URL as a raw HTTP client sends it, with no SDK in the
 * way: `headers` override the 2025-era defaults; a string body is sent as it is. The
 * request is returned too, so a test can leave before the answer.
 */
export function postRaw(
  url: string,
  body: unknown,
  { token, headers = {} }: { token?: string; headers?: Record<string, string> } = {},
): { reply: Promise<RawReply>; req: http.ClientRequest } {
  const u = new URL(url);
  let req!: http.ClientRequest;
  const reply = new Promise<RawReply>((resolve, reject) => {
    const auth = token !== undefined ? { authorization: `Bearer ${token}` } : {};
    req = http.request({ host: '127.0.0.1', port: u.port, path: u.pathname, method: 'POST', headers: { ...RAW_2025_HEADERS, ...auth, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          ...(res.headers['content-length'] !== undefined ? { length: res.headers['content-length'] } : {}),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  return { reply, req };
}

// ---------------------------------------------------------------- test HTTP servers

export interface TestServer {
  origin: string;
  port: number;
  /** Every request's method, url and headers, in order. */
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

export async function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
