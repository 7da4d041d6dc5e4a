/**
 * Shared fixtures for the engine tests: a real engine on Dexie over fake-indexeddb,
 * argon2id through the real argon2-browser WASM but at test-only cost (recorded in
 * the slot, enabled by the explicit `allowWeakKdfForTesting` switch), a manual clock
 * and timer, and an audit sink that records events.
 */
import 'fake-indexeddb/auto';
import { MessageChannel } from 'node:worker_threads';
import { createEngine, engineUiHandlers, type Engine, type EngineDeps } from '../../../src/core';
import { createNodeArgon2Kdf } from '../../../src/node/kdf.argon2.node.js';
import { createWebCryptoRandom } from '../../../src/core/crypto/random.browser';
import { createDexieStore } from '../../../src/core/store/store.dexie';
import type { VaultStore } from '../../../src/core/store/store';
import { auditEventSchema, type AuditEvent } from '../../../src/shared/contracts/engine';
import type { ItemDraft } from '../../../src/shared/items';
import { isLatchkeyError } from '../../../src/shared/errors';
import { EngineUiContract } from '../../../src/shared/contracts/engine';
import { fromNodeMessagePort } from '../../../src/shared/rpc/adapters/worker-threads.node';
import { connectRpc, serveRpc } from '../../../src/shared/rpc/rpc';

export const TEST_KDF = { memoryKiB: 64, iterations: 1, parallelism: 1 } as const;
export const PASSWORD = 'correct horse battery staple';

let dbCounter = 0;
export function freshDbName(): string {
  return `lk-test-${process.pid}-${Date.now()}-${dbCounter++}`;
}

export class ManualClock {
  constructor(public t = 1_750_000_000_000) {}
  now = (): number => this.t;
}

export class ManualTimer {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; at: number }>();
  constructor(private readonly clock: ManualClock) {}
  set = (fn: () => void, ms: number): unknown => {
    const id = this.next++;
    this.pending.set(id, { fn, at: this.clock.t + ms });
    return id;
  };
  clear = (h: unknown): void => {
    this.pending.delete(h as number);
  };
  /** Moves time forward, firing due callbacks in order. */
  advance(ms: number): void {
    const end = this.clock.t + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.clock.t = Math.max(this.clock.t, due[1].at);
      due[1].fn();
    }
    this.clock.t = end;
  }
}

export interface Harness {
  engine: Engine;
  store: VaultStore;
  dbName: string;
  clock: ManualClock;
  timer: ManualTimer;
  audit: AuditEvent[];
  reopen(): Harness;
}

export function makeHarness(opts: { dbName?: string; clock?: ManualClock; extra?: Partial<EngineDeps> } = {}): Harness {
  const dbName = opts.dbName ?? freshDbName();
  const clock = opts.clock ?? new ManualClock();
  const timer = new ManualTimer(clock);
  const audit: AuditEvent[] = [];
  const store = createDexieStore({ name: dbName });
  const engine = createEngine({
    store,
    kdf: createNodeArgon2Kdf(),
    random: createWebCryptoRandom(),
    clock,
    timer,
    // The real event schema at the seam: an event the signed log would refuse fails the test.
    audit: { append: (e) => void audit.push(auditEventSchema.parse(e)) },
    passwordKdf: TEST_KDF,
    allowWeakKdfForTesting: true,
    ...opts.extra,
  });
  const h: Harness = {
    engine,
    store,
    dbName,
    clock,
    timer,
    audit,
    reopen: () => {
      store.close();
      return makeHarness({ dbName, clock });
    },
  };
  return h;
}

export const loginDraft = (title = 'Example login'): ItemDraft => ({
  overview: { kind: 'login', title, username: 'alice@example.com', urls: ['https://example.com/login'], tags: ['work'] },
  details: {
    kind: 'login',
    password: 'hunter2-very-secret',
    totp: 'otpauth://totp/Example:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example',
    notes: 'plain note',
    customFields: [
      { id: 'pin', name: 'PIN', concealed: true, value: '4321' },
      { id: 'hint', name: 'Hint', concealed: false, value: 'blue' },
    ],
  },
});

export const apiDraft = (title = 'GitHub API'): ItemDraft => ({
  overview: {
    kind: 'api_credential',
    title,
    urls: [],
    tags: ['ci'],
    description: 'Read repos for the build bot',
    injection: { type: 'bearer' },
    allowedOrigins: ['https://api.github.com'],
  },
  details: { kind: 'api_credential', secret: 'ghp_supersecrettokenvalue', customFields: [{ id: 'org', name: 'ORG', concealed: false, value: 'acme' }] },
});

/** An API credential with the given secret, sent as a bearer token to `allowedOrigins`; `canary` marks it as bait. */
export const apiCredentialDraft = (title: string, secret: string, o: { allowedOrigins: string[]; canary?: boolean }): ItemDraft => ({
  overview: {
    kind: 'api_credential',
    title,
    urls: [],
    tags: [],
    description: `${title} access`,
    injection: { type: 'bearer' },
    allowedOrigins: o.allowedOrigins,
    ...(o.canary === true ? { canary: true } : {}),
  },
  details: { kind: 'api_credential', secret, customFields: [] },
});

export const sshDraft = (): ItemDraft => ({
  overview: { kind: 'ssh_key', title: 'Deploy key', urls: [], tags: [] },
  details: {
    kind: 'ssh_key',
    privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----',
    publicKey: 'ssh-ed25519 AAAA deploy',
    passphrase: 'pp',
    customFields: [],
  },
});

export const noteDraft = (): ItemDraft => ({
  overview: { kind: 'secure_note', title: 'Safe combination', urls: [], tags: ['home'] },
  details: { kind: 'secure_note', text: '12-34-56', customFields: [] },
});

export async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<Record<string, unknown> | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    const err = e as { code?: string; details?: Record<string, unknown> };
    if (err.code !== code) throw new Error(`expected ${code}, got ${String(err.code)}: ${String(e)}`);
    return err.details;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}

/** The message of the typed refusal a synchronous `run` must throw; anything else fails the test. */
export function refusedWith(run: () => unknown, code: string): string {
  try {
    run();
  } catch (e) {
    if (isLatchkeyError(e, code as never)) return e.message;
    throw e;
  }
  throw new Error(`expected ${code}, but it was accepted`);
}

/**
 * The engine's UI contract served over a real MessageChannel, as the page reaches the
 * engine worker (envelopes and zod on both sides): the page's client, the engine's
 * server (to forward events on), and what closes both ends.
 */
export function engineUiOverChannel(engine: Engine, opts: { timeoutMs?: number } = {}) {
  const ch = new MessageChannel();
  const server = serveRpc(fromNodeMessagePort(ch.port1), EngineUiContract, engineUiHandlers(engine));
  const ui = connectRpc(fromNodeMessagePort(ch.port2), EngineUiContract, opts);
  return {
    ui,
    server,
    close(): void {
      ui.close();
      server.close();
      ch.port1.close();
      ch.port2.close();
    },
  };
}
