/** Public types of the engine object (src/core/engine.ts). */
import type { BreakGlassNotice } from '../shared/contracts/engine';

export type EngineEvent =
  | { readonly type: 'locked'; readonly reason: 'user' | 'idle' | 'external' }
  | { readonly type: 'unlocked'; readonly vaultId: string }
  | { readonly type: 'itemsChanged'; readonly change: 'created' | 'updated' | 'deleted' | 'rekeyed'; readonly ids: readonly string[] }
  | { readonly type: 'breakGlass'; readonly notice: BreakGlassNotice }
  /** The connected MCP servers in the settings record changed (an edit here, or sync). */
  | { readonly type: 'mcpServersChanged' };

export interface Timer {
  /** Schedules `fn` after `ms`; returns a handle for `clear`. */
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}
