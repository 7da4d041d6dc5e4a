/**
 * CredentialSource and AuditSink over an RPC client to the engine (EngineMainContract).
 * One line per method; the engine's errors (vault_locked, not_found…) pass through as
 * LatchkeyErrors. (The app itself wires src/main/engine-link.ts, which follows the
 * current engine connection; this is the same mapping over one fixed client.)
 */
import type { EngineMainContract } from '../../shared/contracts/engine';
import type { RpcClient } from '../../shared/rpc/rpc';
import type { AuditSink, CredentialSource } from './ports';

export function createEngineCredentialSource(engine: RpcClient<EngineMainContract>): CredentialSource {
  return {
    state: async () => (await engine.call('vault.status', {})).state,
    listCredentials: async () => (await engine.call('credentials.list', {})).credentials,
    useCredential: (itemId, agentId) => engine.call('credentials.use', { itemId, agentId }),
    resolveReference: (ref) => engine.call('references.resolve', { vault: ref.vault, item: ref.item, field: ref.field }),
    releaseField: (itemId, field, purpose) => engine.call('references.release', { itemId, field, purpose }),
    scrub: async (texts, truncated) => (await engine.call('results.scrub', { texts, ...(truncated ? { truncated } : {}) })).texts,
    scrubResults: async (texts, truncated, echoOf) => {
      const r = await engine.call('results.scrub', { texts, ...(truncated ? { truncated } : {}), reportRedacted: true, ...(echoOf !== undefined ? { echoOf } : {}) });
      return { texts: r.texts, canaries: r.canaries ?? [], ...(r.redacted ? { redacted: r.redacted } : {}), ...(r.echoIn ? { echoIn: r.echoIn } : {}) };
    },
    listMcpServers: async () => (await engine.call('mcpServers.list', {})).servers,
    onMcpServersChanged: (h) => engine.on('mcpServersChanged', () => h()),
    onLocked: (h) => engine.on('locked', () => h()),
    onUnlocked: (h) => engine.on('unlocked', () => h()),
    onCredentialsChanged: (h) => engine.on('credentialsChanged', () => h()),
  };
}

export function createEngineAuditSink(engine: RpcClient<EngineMainContract>): AuditSink {
  return {
    append: async (event) => {
      await engine.call('audit.append', event);
    },
  };
}
