/**
 * How a client that only starts commands (Claude Desktop, the .mcpb bundle, any stdio
 * client) runs `latchkey mcp`: always an absolute path, never a bare `latchkey` (it is
 * not on PATH after install).
 *   - installed app: the app's own executable (process.execPath) with `mcp`, which
 *     src/main/index.ts runs as the bridge without opening a window;
 *   - source checkout: the running runtime (node, or Electron run as node) with the
 *     absolute path of bin/latchkey.mjs and `mcp`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BridgeLaunch {
  readonly command: string;
  readonly args: readonly string[];
  /** Variables the command needs besides the agent token. */
  readonly env: Readonly<Record<string, string>>;
}

/** The checkout's bin/latchkey.mjs, found by walking up from this file (source or built). */
export function findCheckoutBin(from: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'bin', 'latchkey.mjs');
    if (existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

export function defaultBridgeLaunch(runtime: { execPath: string; electron: boolean; checkoutBin: string | null } = currentRuntime()): BridgeLaunch {
  if (runtime.checkoutBin !== null) {
    // Electron's binary behaves as node only with ELECTRON_RUN_AS_NODE; plain node ignores it.
    return { command: runtime.execPath, args: [runtime.checkoutBin, 'mcp'], env: runtime.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {} };
  }
  return { command: runtime.execPath, args: ['mcp'], env: {} };
}

function currentRuntime(): { execPath: string; electron: boolean; checkoutBin: string | null } {
  return { execPath: process.execPath, electron: process.versions.electron !== undefined, checkoutBin: findCheckoutBin() };
}
