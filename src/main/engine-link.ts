/**
 * Main's view of the engine. The engine runs in the renderer's worker and connects to
 * main on its own port (purpose 'engine'); this link follows whichever connection is
 * current and gives the gateway its CredentialSource and AuditSink over it.
 *
 * A window that closes takes its engine with it: main then treats the vault as locked
 * (fires the locked handlers), so a "this session" grant cannot outlive the engine.
 */
import type { AuditSink, CredentialSource } from './gateway';
import { EngineMainContract } from '../shared/contracts/engine';
import { LatchkeyError } from '../shared/errors';
import type { Port } from '../shared/rpc/port';
import { connectRpc, type RpcClient } from '../shared/rpc/rpc';

type EngineMain = RpcClient<typeof EngineMainContract>;

export interface EngineLink {
  /** For MainServicesDeps.onEnginePort: adopts the worker's connection; returns its disposer. */
  attach(port: Port): () => void;
  readonly credentials: CredentialSource;
  readonly audit: AuditSink;
  /** The current connection, or null while no window has an engine. */
  current(): EngineMain | null;
}

export interface EngineLinkOptions {
  /** Runs for each engine connection (e.g. to push the policy); returns its disposer. */
  onAttach?: (port: Port) => (() => void) | void;
}

export function createEngineLink(opts: EngineLinkOptions = {}): EngineLink {
  let current: EngineMain | null = null;
  const locked = new Set<() => void>();
  const unlocked = new Set<() => void>();
  const changed = new Set<() => void>();
  const serversChanged = new Set<() => void>();
  const fire = (set: Set<() => void>): void => {
    for (const h of [...set]) h();
  };
  const subscribe = (set: Set<() => void>) => (h: () => void) => {
    set.add(h);
    return () => {
      set.delete(h);
    };
  };

  const engine = (): EngineMain => {
    if (current === null) throw new LatchkeyError('vault_locked', 'Latchkey is not open: open the app and unlock the vault.');
    return current;
  };

  const credentials: CredentialSource = {
    async state() {
      return current === null ? 'locked' : (await current.call('vault.status', {})).state;
    },
    async listCredentials() {
      return (await engine().call('credentials.list', {})).credentials;
    },
    useCredential: (itemId, agentId) => engine().call('credentials.use', { itemId, agentId }),
    resolveReference: (ref) => engine().call('references.resolve', { vault: ref.vault, item: ref.item, field: ref.field }),
    releaseField: (itemId, field, purpose) => engine().call('references.release', { itemId, field, purpose }),
    async scrub(texts, truncated) {
      return (await engine().call('results.scrub', { texts, ...(truncated ? { truncated } : {}) })).texts;
    },
    async scrubResults(texts, truncated, echoOf) {
      const r = await engine().call('results.scrub', { texts, ...(truncated ? { truncated } : {}), reportRedacted: true, ...(echoOf !== undefined ? { echoOf } : {}) });
      return { texts: r.texts, canaries: r.canaries ?? [], ...(r.redacted ? { redacted: r.redacted } : {}), ...(r.echoIn ? { echoIn: r.echoIn } : {}) };
    },
    async listMcpServers() {
      return (await engine().call('mcpServers.list', {})).servers;
    },
    onMcpServersChanged: subscribe(serversChanged),
    onLocked: subscribe(locked),
    onUnlocked: subscribe(unlocked),
    onCredentialsChanged: subscribe(changed),
  };

  return {
    credentials,
    audit: {
      append: async (event) => {
        await engine().call('audit.append', event);
      },
    },
    current: () => current,
    attach(port) {
      const client = connectRpc(port, EngineMainContract);
      const offs = [
        client.on('locked', () => fire(locked)),
        client.on('unlocked', () => fire(unlocked)),
        client.on('credentialsChanged', () => fire(changed)),
        client.on('mcpServersChanged', () => fire(serversChanged)),
      ];
      const detach = opts.onAttach?.(port);
      const previous = current;
      current = client;
      if (previous !== null) fire(locked);
      return () => {
        detach?.();
        for (const off of offs) off();
        client.close();
        if (current === client) {
          current = null;
          fire(locked);
        }
      };
    },
  };
}
