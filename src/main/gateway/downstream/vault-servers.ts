/**
 * The downstream servers the person connected in the vault (Settings → Connected MCP
 * servers), followed for the manager: read from the engine at unlock and on every
 * change ('mcpServersChanged'), dropped at lock. While locked only the composition's
 * own servers (GatewayOptions.downstream) are configured, so no vault-configured
 * process runs without an open vault. A vault server whose name a composition server
 * already has is left out (the composition's is the one agents know).
 */
import type { CredentialSource } from '../ports';
import { fromVaultConfig, type DownstreamServerConfig } from './config';
import type { DownstreamManager } from './manager';

export interface VaultServersDeps {
  readonly source: CredentialSource;
  readonly manager: DownstreamManager;
  readonly fixed: readonly DownstreamServerConfig[];
  /** The configured list changed (the UI refreshes the Agents page's server grants). */
  readonly onChanged: () => void;
  readonly onError?: (err: unknown) => void;
}

export function followVaultServers(deps: VaultServersDeps): { refresh(): Promise<void>; dispose(): void } {
  const { source, manager, fixed } = deps;
  let generation = 0;
  let chain: Promise<void> = Promise.resolve();

  const apply = (list: readonly DownstreamServerConfig[]): Promise<void> => {
    const before = JSON.stringify(manager.list());
    return manager.setServers(list).then(() => {
      if (JSON.stringify(manager.list()) !== before) deps.onChanged();
    });
  };

  const read = async (): Promise<DownstreamServerConfig[]> => {
    if (!source.listMcpServers || (await source.state()) !== 'unlocked') return [...fixed];
    const [stored, credentials] = await Promise.all([source.listMcpServers(), source.listCredentials()]);
    const titles = new Map(credentials.map((c) => [c.id, c.name]));
    const taken = new Set(fixed.map((f) => f.name));
    const fromVault = stored.filter((s) => !taken.has(s.name)).map((s) => fromVaultConfig(s, (id) => titles.get(id)));
    return [...fixed, ...fromVault];
  };

  // Each step reads and applies in turn; a newer step makes an older read moot.
  const step = (lockedNow: boolean): Promise<void> => {
    const mine = ++generation;
    chain = chain.then(async () => {
      let next: DownstreamServerConfig[];
      try {
        next = lockedNow ? [...fixed] : await read();
      } catch (err) {
        // Locked meanwhile, or the engine went away: nothing of the vault's runs.
        if (!isLocked(err)) deps.onError?.(err);
        next = [...fixed];
      }
      if (mine === generation) await apply(next);
    });
    return chain;
  };

  const offs = [
    source.onLocked(() => void step(true)),
    source.onUnlocked(() => void step(false)),
    // Titles shown in prompts follow item edits; a deleted item's use is refused by the gateway anyway.
    source.onCredentialsChanged(() => void step(false)),
    source.onMcpServersChanged?.(() => void step(false)) ?? (() => undefined),
  ];
  return {
    refresh: () => step(false),
    dispose() {
      generation++;
      for (const off of offs) off();
    },
  };
}

function isLocked(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'vault_locked';
}
