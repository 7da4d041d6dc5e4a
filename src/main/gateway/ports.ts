/**
 * What the gateway needs from the rest of the app, as small interfaces the lead wires
 * in src/main/services.ts. They mirror EngineMainContract (src/shared/contracts/engine.ts)
 * so an RPC client to the engine implements them with one line per method.
 */
import type { AuditEvent, CredentialOverview, CredentialUse, ReferenceRelease, ReferenceResolution, VaultState } from '../../shared/contracts/engine';
import type { SecretReference } from '../../core/references';
import type { McpServerConfig } from '../../shared/mcp-servers';
import type { EffectivePolicy } from '../../shared/policy';

export type { AuditEvent, CredentialOverview, CredentialUse, ReferenceRelease, ReferenceResolution };

/** The vault, as the gateway may see it. */
export interface CredentialSource {
  /** engine 'vault.status' → state. */
  state(): Promise<VaultState>;
  /** engine 'credentials.list'. Throws LatchkeyError('vault_locked') when locked. */
  listCredentials(): Promise<CredentialOverview[]>;
  /** engine 'credentials.use': one item's secret for ONE invocation (main drops it after). */
  useCredential(itemId: string, agentId: string): Promise<CredentialUse>;
  /** engine 'references.resolve': what a `latchkey://` reference names, any kind (never a value). Absent: the terminal cannot resolve. */
  resolveReference?(ref: SecretReference): Promise<ReferenceResolution>;
  /** engine 'references.release': one field for one approved, recorded terminal use. */
  releaseField?(itemId: string, field: ReferenceResolution['field'], purpose: string): Promise<ReferenceRelease>;
  /**
   * engine 'results.scrub': each text with every form of every concealed value in the
   * vault redacted, same order. The engine holds the vault-wide matcher; main sends
   * each whole result here once, just before it leaves, and so never holds any secret
   * but the one of the invocation. `truncated[i]`: text i was cut by a size cap. Throws LatchkeyError('vault_locked') when locked.
   */
  scrub(texts: string[], truncated?: boolean[]): Promise<string[]>;
  /**
   * The same call, with the canary items whose value was in any text (docs/gateway.md
   * "Canary credentials"). A source without it detects no canary in results (test doubles).
   * `redacted`: the indexes of the texts in which anything was redacted; without it, main
   * cannot narrow its echo check and looks in every text. `echoOf` (the API credential
   * main injected): `echoIn` names the texts that may hold its released value, found in
   * the same scan; main's echo guard then checks only those.
   */
  scrubResults?(texts: string[], truncated?: boolean[], echoOf?: string): Promise<{ texts: string[]; canaries: string[]; redacted?: number[]; echoIn?: number[] }>;
  /** engine 'mcpServers.list': the connected MCP servers stored in the vault. Absent: none (test doubles). */
  listMcpServers?(): Promise<McpServerConfig[]>;
  /** engine event mcpServersChanged. */
  onMcpServersChanged?(handler: () => void): () => void;
  /** engine events locked / unlocked / credentialsChanged; each returns an unsubscribe. */
  onLocked(handler: () => void): () => void;
  onUnlocked(handler: () => void): () => void;
  onCredentialsChanged(handler: () => void): () => void;
}

/** engine 'audit.append'. Must never be handed a secret. */
export interface AuditSink {
  append(event: AuditEvent): void | Promise<void>;
}

/** Where paired agents and grants persist (not secret: tokens are stored as keyed hashes). */
export interface GatewayStore {
  load(): Promise<unknown>;
  save(state: unknown): Promise<void>;
}

/** OS notification for an approval prompt (Electron Notification in the shell). */
export type Notifier = (n: { title: string; body: string }) => void;

export type PolicySource = () => EffectivePolicy;
