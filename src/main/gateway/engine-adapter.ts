/**
 * CredentialSource and AuditSink over an RPC client to the engine (EngineMainContract),
 * for the lead's wiring in src/main/services.ts. One line per method; the engine's
 * errors (vault_locked, not_found…) pass through as LatchkeyErrors.
 *
 * `scrubSecrets` is passed in: EngineMainContract has no method yet that returns every
 * concealed value for the scrubber (proposed: 'credentials.scrubSet' → { values: string[] }).
 */
import type { EngineMainContract } from '../../shared/contracts/engine';
import type { RpcClient } from '../../shared/rpc/rpc';
import type { AuditSink, CredentialSource } from './ports';

export function createEngineCredentialSource(engine: RpcClient<EngineMainContract>, scrubSecrets: () => Promise<string[]>): CredentialSource {
  return {
    state: async () => (await engine.call('vault.status', {})).state,
    listCredentials: async () => (await engine.call('credentials.list', {})).credentials,
    useCredential: (itemId, agentId) => engine.call('credentials.use', { itemId, agentId }),
    scrubSecrets,
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
